import {
  advanceEnrolment,
  checkValues,
  nextLocalTime,
  PAIR_SPACING_MS,
  recipientTimeZone,
  type SequenceDefinition,
  type SendStep,
} from '#libs/domain';
import type {
  BatchPlan,
  DueBatch,
  EnrolmentContact,
  EnrolmentRepository,
  NewMessage,
  SequenceRepository,
  TemplateRepository,
  TemplateView,
} from '#libs/persistence';
import type { SessionFeeder } from './send-session.js';
import { templateCache } from './template-cache.js';

/** The customer service window: free-form text may go this long after the contact wrote. */
const SERVICE_WINDOW_MS = 24 * 3_600_000;
/** How often enrolments whose message was settled outside the send path are looked for. */
const SWEEP_EVERY_MS = 5_000;

export interface FeederDeps {
  enrolments: EnrolmentRepository;
  sequences: Pick<SequenceRepository, 'version'>;
  templates: Pick<TemplateRepository, 'byName'>;
}

export interface FeederSettings {
  /** Enrolments per batch (one transaction). */
  batch: number;
  everyMs: number;
  /** A feed stops taking batches after this long, so the session sees new rows soon. */
  feedBudgetMs: number;
}

/**
 * Feeds a sequence's ledger as its send session runs: advances the due enrolments a batch at a
 * time (each batch one transaction: the state machine
 * per enrolment, its new messages enqueued with their send keys and the delivery policy, the
 * positions written back). The session sends what this enqueues through the one send core.
 */
export function enrolmentFeeder(
  deps: FeederDeps,
  sequenceId: string,
  settings: FeederSettings,
): SessionFeeder {
  const definitions = new Map<number, SequenceDefinition>();
  const template = templateCache(deps.templates);
  let sweptAt = 0;

  const message = async (
    batch: DueBatch,
    enrolmentId: string,
    contact: EnrolmentContact,
    lastSentAtMs: number | null,
    send: { step: SendStep; sendKey: string },
  ): Promise<NewMessage> => {
    const { step, sendKey } = send;
    const base = {
      enrolmentId,
      sendKey,
      phone: contact.phone,
      country: contact.country,
      contactId: contact.id,
      notBefore: lastSentAtMs === null ? null : lastSentAtMs + PAIR_SPACING_MS,
    };
    const inWindow =
      contact.lastInboundAtMs !== null && Date.now() - contact.lastInboundAtMs < SERVICE_WINDOW_MS;
    if (step.text !== undefined && inWindow) {
      return {
        ...base,
        templateName: null,
        templateLanguage: null,
        variables: null,
        text: step.text,
        skip: null,
        fail: null,
      };
    }
    const ref = step.template ?? step.fallbackTemplate!;
    const found = await template(batch.workspaceId, ref);
    const row = { ...base, templateName: ref.name, templateLanguage: ref.language, text: null };
    if (!found) {
      return {
        ...row,
        variables: null,
        skip: null,
        fail: `template ${ref.name} (${ref.language}) is not registered`,
      };
    }
    if (found.parameterFormat) return { ...row, ...contactValues(found, contact, step.values) };
    const values = found.variables.map((v) => attribute(contact, v));
    const missing = values.some((v) => !v);
    return {
      ...row,
      variables: values.length ? (values as string[]) : null,
      skip: missing ? `the contact has no value for ${found.variables.join(', ')}` : null,
      fail: null,
    };
  };

  const plan = async (batch: DueBatch): Promise<BatchPlan> => {
    for (const e of batch.enrolments) {
      if (!definitions.has(e.version)) {
        const def = await deps.sequences.version(sequenceId, e.version);
        if (!def) throw new Error(`sequence ${sequenceId} has no version ${e.version}`);
        definitions.set(e.version, def);
      }
    }
    const out: BatchPlan = { updates: [], messages: [], journal: [], withdraw: [] };
    const now = Date.now();
    for (const e of batch.enrolments) {
      const contact = batch.contacts.get(e.contactId) ?? null;
      const row = e.position.rowId === null ? null : (batch.rows.get(e.position.rowId) ?? null);
      const zone = contact
        ? recipientTimeZone(contact.timeZone, contact.country, batch.policy)
        : batch.policy.defaultTimeZone;
      const advance = advanceEnrolment(definitions.get(e.version)!, e.id, e.position, {
        now,
        contact,
        row,
        localTime: (hhmm) => nextLocalTime(now, zone, hhmm),
      });
      out.updates.push({
        id: e.id,
        position: advance.position,
        dueAt: advance.dueAt,
        awaiting: advance.awaiting,
        end: advance.end,
      });
      for (const j of advance.journal) out.journal.push({ ...j, enrolmentId: e.id });
      if (advance.withdraw && e.position.rowId !== null) out.withdraw.push(e.position.rowId);
      if (advance.send && contact) {
        out.messages.push(
          await message(batch, e.id, contact, advance.position.lastSentAtMs, advance.send),
        );
      }
    }
    return out;
  };

  return {
    everyMs: settings.everyMs,
    async feed() {
      const started = Date.now();
      if (started - sweptAt >= SWEEP_EVERY_MS) {
        sweptAt = started;
        await deps.enrolments.wakeSettled(sequenceId);
      }
      while (Date.now() - started < settings.feedBudgetMs) {
        const advanced = await deps.enrolments.advanceDue(sequenceId, settings.batch, plan);
        if (advanced < settings.batch) break;
      }
      return { nextDueAt: await deps.enrolments.nextDueAt(sequenceId) };
    },
  };
}

/** A contact's value for a template key: the attribute of that name, or for `name`, its name. */
const attribute = (contact: EnrolmentContact, key: string): string | undefined =>
  key === 'name' ? (contact.attributes.name ?? contact.name) : contact.attributes[key];

/**
 * A Meta template's values for one contact: each parameter from the contact's attribute of that
 * key, else the step's value. A contact lacking a required value is skipped, with the reason;
 * values the template cannot take fail that message alone.
 */
function contactValues(
  template: TemplateView,
  contact: EnrolmentContact,
  defaults: Record<string, string> | undefined,
) {
  const values: Record<string, string> = { ...defaults };
  for (const p of template.parameters) {
    const own = attribute(contact, p.key);
    if (own) values[p.key] = own;
  }
  const issues = checkValues(template.model, values);
  const missing = issues.filter((i) => !(i.parameter in values)).map((i) => i.parameter);
  const misfit = issues.find((i) => i.parameter in values);
  return {
    variables: values,
    skip: missing.length ? `the contact has no value for ${missing.join(', ')}` : null,
    fail: !missing.length && misfit ? `${misfit.parameter}: ${misfit.reason}` : null,
  };
}
