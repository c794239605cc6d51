import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicySchema,
  type DeliveryPolicy,
  type EnrolmentEvent,
  type EnrolmentPhase,
  type EnrolmentPosition,
  type JournalEntry,
  type RecipientStatus,
} from '#libs/domain';
import { applyDeliveryPolicy } from './delivery-policy.sql.js';

/** An enrolment the runner advances now, with its position. */
export interface DueEnrolment {
  id: string;
  contactId: string;
  version: number;
  position: EnrolmentPosition;
}

export interface EnrolmentContact {
  id: string;
  phone: string;
  country: string;
  name: string | null;
  attributes: Record<string, string>;
  timeZone: string | null;
  lastInboundAtMs: number | null;
  optedOut: string | null;
}

export interface MessageRow {
  status: RecipientStatus;
  sentAtMs: number | null;
  read: boolean;
  errorMessage: string | null;
  slotAtMs: number | null;
}

/** A batch of due enrolments of one sequence and every fact advancing them needs. */
export interface DueBatch {
  sequenceId: string;
  /** The destination countries the ledger knows (its country limits apply to these). */
  countries: string[];
  workspaceId: string;
  sender: string;
  policy: DeliveryPolicy;
  enrolments: DueEnrolment[];
  contacts: Map<string, EnrolmentContact>;
  rows: Map<number, MessageRow>;
}

/** A message to enqueue into the sequence's ledger, for one enrolment. */
export interface NewMessage {
  enrolmentId: string;
  sendKey: string;
  phone: string;
  country: string;
  contactId: string;
  templateName: string | null;
  templateLanguage: string | null;
  /** The template's values (named), or null. */
  variables: Record<string, string> | string[] | null;
  text: string | null;
  /** Not before this (epoch ms): the pair spacing after the enrolment's last message. */
  notBefore: number | null;
  /** Written as skipped at once, with this reason (a value missing…): the journey goes on. */
  skip: string | null;
  /** Written as failed at once, with this reason (no such template): the journey ends. */
  fail: string | null;
}

export interface EnrolmentUpdate {
  id: string;
  position: EnrolmentPosition;
  dueAt: number | null;
  awaiting: string[];
  end: { status: 'completed' | 'exited'; reason: string | null } | null;
}

export interface BatchPlan {
  updates: EnrolmentUpdate[];
  messages: NewMessage[];
  journal: (JournalEntry & { enrolmentId: string })[];
  /** Outstanding rows of enrolments that ended: withdrawn unless already sent. */
  withdraw: number[];
}

interface EnrolmentRecord {
  workflow_id: string;
  contact_id: string;
  version: number;
  step: string | null;
  phase: EnrolmentPhase;
  visits: Record<string, number>;
  events: EnrolmentEvent[];
  enrolled_at_ms: string | null;
  started_at: Date | string;
  row_id: string | null;
  last_sent_at: Date | string | null;
  messages: number;
  wait_until: Date | string | null;
}

const ms = (v: Date | string | null) => (v === null ? null : new Date(v).getTime());

/**
 * The runner's storage: due enrolments of a sequence claimed in batches (`skip locked`, so a
 * second runner attempt never advances one twice), each batch's new messages enqueued into the
 * sequence's ledger with their send keys (written once) and the delivery policy, and the
 * enrolments' new positions and journal written back set-wise, all in one transaction.
 */
export class EnrolmentRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Advances up to `limit` due enrolments of the sequence: loads them with their facts, asks
   * `plan` what to do, writes it. Returns how many were advanced.
   */
  async advanceDue(
    sequenceId: string,
    limit: number,
    plan: (batch: DueBatch) => Promise<BatchPlan> | BatchPlan,
  ): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      const [sequence] = await em.execute<
        { workspace_id: string; sender: string; policy: unknown; countries: string[] }[]
      >(
        `select k.workspace_id, k.sender_phone_number_id as sender, w.delivery_policy as policy,
                k.countries
         from campaigns k join workspaces w on w.id = k.workspace_id
         where k.id = ? and k.kind = 'sequence'`,
        [sequenceId],
      );
      if (!sequence) return 0;
      const due = await em.execute<EnrolmentRecord[]>(
        `select workflow_id, contact_id, version, step, phase, visits, events, enrolled_at_ms,
                started_at, row_id, last_sent_at, messages, wait_until
         from enrolments
         where sequence_id = ? and status = 'active' and engine = 'runner' and due_at <= now()
         order by due_at limit ? for update skip locked`,
        [sequenceId, limit],
      );
      if (due.length === 0) return 0;
      const enrolments = due.map((e): DueEnrolment => ({
        id: e.workflow_id,
        contactId: e.contact_id,
        version: e.version,
        position: {
          step: e.step,
          phase: e.phase,
          visits: e.visits ?? {},
          events: e.events ?? [],
          enrolledAtMs: Number(e.enrolled_at_ms ?? ms(e.started_at)),
          rowId: e.row_id === null ? null : Number(e.row_id),
          lastSentAtMs: ms(e.last_sent_at),
          messages: e.messages,
          waitUntilMs: ms(e.wait_until),
        },
      }));
      const parsed = deliveryPolicySchema.safeParse(sequence.policy ?? {});
      const batch: DueBatch = {
        sequenceId,
        countries: sequence.countries,
        workspaceId: sequence.workspace_id,
        sender: sequence.sender,
        policy: parsed.success ? parsed.data : DEFAULT_DELIVERY_POLICY,
        enrolments,
        contacts: await this.contacts(
          em,
          sequence.workspace_id,
          enrolments.map((e) => e.contactId),
        ),
        rows: await this.rows(
          em,
          enrolments.flatMap((e) => (e.position.rowId === null ? [] : [e.position.rowId])),
        ),
      };
      const decided = await plan(batch);
      await this.write(em, batch, decided);
      return due.length;
    });
  }

  /** When the next enrolment of the sequence is due (epoch ms, database clock), if any. */
  async nextDueAt(sequenceId: string): Promise<number | null> {
    const [row] = await this.em.fork().execute<{ next: number | null }[]>(
      `select extract(epoch from min(due_at)) * 1000 as next from enrolments
       where sequence_id = ? and status = 'active' and engine = 'runner' and due_at is not null`,
      [sequenceId],
    );
    return row?.next === null || row?.next === undefined ? null : Number(row.next);
  }

  /**
   * Wakes enrolments whose message was settled by something other than the send path's own
   * write-back (a new attempt settling a crashed one's rows, the unknown window, an opt-out).
   */
  async wakeSettled(sequenceId: string): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update enrolments e set due_at = now()
       from recipients r
       where e.sequence_id = ? and e.status = 'active' and e.engine = 'runner'
         and e.phase = 'sending' and e.due_at is null
         and r.id = e.row_id and r.status not in ('pending', 'sending')`,
      [sequenceId],
      'run',
    );
    return res.affectedRows;
  }

  /** One contact's facts, for enrolments still run by their per-contact workflow. */
  async contact(workspaceId: string, contactId: string): Promise<EnrolmentContact | null> {
    return (await this.contacts(this.em.fork(), workspaceId, [contactId])).get(contactId) ?? null;
  }

  /** Whether a message was read, for enrolments still run by their per-contact workflow. */
  async wasRead(rowId: number): Promise<boolean> {
    return (await this.rows(this.em.fork(), [rowId])).get(rowId)?.read ?? false;
  }

  private async contacts(em: EntityManager, workspaceId: string, ids: string[]) {
    const rows = await em.execute<
      {
        id: string;
        phone: string;
        country: string;
        name: string | null;
        attributes: Record<string, string>;
        time_zone: string | null;
        last_inbound_at: Date | string | null;
        suppressed: string | null;
      }[]
    >(
      `select c.id, c.phone, c.country, c.name, c.attributes, c.time_zone, c.last_inbound_at,
              s.reason as suppressed
       from contacts c
       left join suppressions s on s.workspace_id = c.workspace_id and s.phone = c.phone
       where c.workspace_id = ? and c.id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])`,
      [workspaceId, JSON.stringify([...new Set(ids)])],
    );
    return new Map(
      rows.map((c) => [
        c.id,
        {
          id: c.id,
          phone: c.phone,
          country: c.country,
          name: c.name,
          attributes: c.attributes ?? {},
          timeZone: c.time_zone,
          lastInboundAtMs: ms(c.last_inbound_at),
          optedOut: c.suppressed,
        },
      ]),
    );
  }

  private async rows(em: EntityManager, ids: number[]) {
    if (ids.length === 0) return new Map<number, MessageRow>();
    const rows = await em.execute<
      {
        id: string;
        status: RecipientStatus;
        sent_at: Date | string | null;
        read_at: Date | string | null;
        error_message: string | null;
        slot_at: number | null;
      }[]
    >(
      `select id, status, sent_at, read_at, error_message, slot_at from recipients
       where id = any(array(select jsonb_array_elements_text(?::jsonb))::bigint[])`,
      [JSON.stringify(ids)],
    );
    return new Map(
      rows.map((r) => [
        Number(r.id),
        {
          status: r.status,
          sentAtMs: ms(r.sent_at),
          read: r.read_at !== null,
          errorMessage: r.error_message,
          slotAtMs: r.slot_at === null ? null : Number(r.slot_at),
        },
      ]),
    );
  }

  private async write(em: EntityManager, batch: DueBatch, plan: BatchPlan): Promise<void> {
    const rowOf = new Map<string, number>();
    const settled = new Set<string>();
    const heldReason = new Map<string, string>();
    if (plan.messages.length) {
      const byKey = new Map(plan.messages.map((m) => [m.sendKey, m]));
      // A new destination country joins the ledger's list, so its country limit applies. Before
      // any row is written: a claim locks the ledger first, then its rows' counts, and so must
      // this, or the two could deadlock.
      const known = new Set(batch.countries);
      const fresh = [...new Set(plan.messages.map((m) => m.country))].filter((c) => !known.has(c));
      if (fresh.length) {
        await em.execute(
          `update campaigns set countries = (select array_agg(distinct c order by c) from (
             select unnest(countries) as c union select jsonb_array_elements_text(?::jsonb)) x)
           where id = ?`,
          [JSON.stringify(fresh), batch.sequenceId],
        );
      }
      const inserted = await em.execute<{ id: string; send_key: string; status: string }[]>(
        `with m as (select * from jsonb_to_recordset(?::jsonb) as m(send_key text, phone text,
             country text, contact_id uuid, template_name text, template_language text,
             variables jsonb, content jsonb, not_before double precision, skip text, fail text)),
         ins as (
           insert into recipients (campaign_id, phone, country, contact_id, template_name,
             template_language, variables, content, send_key, status, error_message, next_attempt_at)
           select ?, m.phone, m.country, m.contact_id, m.template_name, m.template_language,
             m.variables, m.content, m.send_key,
             case when m.skip is not null then 'skipped' when m.fail is not null then 'failed'
               else 'pending' end, coalesce(m.skip, m.fail),
             case when m.not_before > extract(epoch from now()) * 1000
               then to_timestamp(m.not_before / 1000) end
           from m order by m.send_key
           on conflict (send_key) where send_key is not null do nothing
           returning id, send_key, status)
         select id, send_key, status from ins
         union all
         select r.id, r.send_key, r.status from recipients r
         where r.send_key = any(array(select send_key from m))
           and r.send_key not in (select send_key from ins)`,
        [
          JSON.stringify(
            plan.messages.map((m) => ({
              send_key: m.sendKey,
              phone: m.phone,
              country: m.country,
              contact_id: m.contactId,
              template_name: m.templateName,
              template_language: m.templateLanguage,
              variables: m.variables,
              content: m.text === null ? null : { text: m.text },
              not_before: m.notBefore,
              skip: m.skip,
              fail: m.fail,
            })),
          ),
          batch.sequenceId,
        ],
      );
      const waiting: number[] = [];
      for (const r of inserted) {
        const m = byKey.get(r.send_key)!;
        rowOf.set(m.enrolmentId, Number(r.id));
        if (r.status === 'pending') waiting.push(Number(r.id));
        else if (r.status !== 'sending') settled.add(m.enrolmentId);
      }
      if (waiting.length) {
        const outcome = await applyDeliveryPolicy(
          em,
          batch.sequenceId,
          batch.workspaceId,
          batch.policy,
          { ids: waiting, campaignMarketing: true },
        );
        const enrolmentOfRow = new Map([...rowOf].map(([e, r]) => [r, e]));
        for (const id of outcome.windowed) heldReason.set(enrolmentOfRow.get(id)!, 'quiet hours');
        for (const id of outcome.capped) {
          heldReason.set(enrolmentOfRow.get(id)!, 'frequency cap');
        }
        if (outcome.capped.length && batch.policy.frequencyCap?.policy === 'skip') {
          for (const id of outcome.capped) {
            settled.add(enrolmentOfRow.get(id)!);
            heldReason.delete(enrolmentOfRow.get(id)!);
          }
        }
      }
    }

    if (plan.updates.length) {
      await em.execute(
        `update enrolments e set
           step = u.step, phase = u.phase, visits = u.visits, events = u.events,
           row_id = u.row_id, last_sent_at = to_timestamp(u.last_sent_at / 1000),
           messages = u.messages, wait_until = to_timestamp(u.wait_until / 1000),
           enrolled_at_ms = u.enrolled_at_ms,
           due_at = case when u.settled then now() else to_timestamp(u.due_at / 1000) end,
           awaiting = u.awaiting, held_reason = u.held_reason,
           status = coalesce(u.end_status, e.status),
           exit_reason = case when u.end_status is null then e.exit_reason else u.end_reason end,
           ended_at = case when u.end_status is null then e.ended_at else now() end
         from jsonb_to_recordset(?::jsonb) as u(id text, step text, phase text, visits jsonb,
           events jsonb, row_id bigint, last_sent_at double precision, messages int,
           wait_until double precision, enrolled_at_ms bigint, due_at double precision,
           settled boolean, awaiting jsonb, held_reason text, end_status text, end_reason text)
         where e.workflow_id = u.id`,
        [
          JSON.stringify(
            plan.updates.map((u) => {
              const p = u.position;
              const rowId = rowOf.get(u.id) ?? p.rowId;
              return {
                id: u.id,
                step: p.step,
                phase: p.phase,
                visits: p.visits,
                events: p.events,
                row_id: rowId,
                last_sent_at: p.lastSentAtMs,
                messages: p.messages,
                wait_until: p.waitUntilMs,
                enrolled_at_ms: p.enrolledAtMs,
                due_at: u.end ? null : u.dueAt,
                settled: !u.end && settled.has(u.id),
                awaiting: u.end ? [] : u.awaiting,
                held_reason: u.end ? null : (heldReason.get(u.id) ?? null),
                end_status: u.end?.status ?? null,
                end_reason: u.end?.reason ?? null,
              };
            }),
          ),
        ],
      );
    }
    if (plan.journal.length) {
      await em.execute(
        `insert into enrolment_journal (workflow_id, kind, step, detail)
         select j.id, j.kind, j.step, j.detail
         from jsonb_to_recordset(?::jsonb) as j(n int, id text, kind text, step text, detail jsonb)
         order by j.n`,
        [
          JSON.stringify(
            plan.journal.map((j, n) => ({
              n,
              id: j.enrolmentId,
              kind: j.kind,
              step: j.step,
              detail: j.detail ?? null,
            })),
          ),
        ],
      );
    }
    if (plan.withdraw.length) {
      await em.execute(
        `update recipients set status = 'cancelled', error_message = 'the enrolment ended',
           updated_at = now()
         where id = any(array(select jsonb_array_elements_text(?::jsonb))::bigint[])
           and status = 'pending'`,
        [JSON.stringify(plan.withdraw)],
      );
    }
  }
}
