import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { nextLocalTime, nextSendTime, recipientTimeZone } from '#libs/domain';
import {
  senderKey,
  type DripSendRepository,
  type RateLimitRepository,
  type SendQueueRepository,
  type SequenceRepository,
  type TemplateRepository,
} from '#libs/persistence';
import type { DripActivities, SendStepResult } from '#workflows/drip.activities';
import { judgeSend } from '../sending/send-outcome.js';
import type { SendSettings } from '../sending/send-session.js';
import type { WhatsAppAccounts } from '../sending/whatsapp-accounts.js';

export interface DripActivityDeps {
  drips: DripSendRepository;
  sequences: SequenceRepository;
  templates: TemplateRepository;
  queue: SendQueueRepository;
  rateLimits: RateLimitRepository;
  whatsapp: WhatsAppAccounts;
  sendSettings: SendSettings;
  defaultSenderRate: number;
}

/** The customer service window: free-form text may go this long after the contact wrote. */
const SERVICE_WINDOW_MS = 24 * 3_600_000;
/**
 * Waits longer than this for a slot are handed back to the workflow as a durable timer, so
 * activity slots never fill up with sleeping sends (and an opt-out is handled at once).
 */
const MAX_SLOT_WAIT_MS = 2_000;

/**
 * Drip activities: each message takes a slot from the same global limiter as campaigns (its
 * sender, its country and the contact's pair key at once), is written to the sequence's ledger
 * of recipient rows with a send key (so a retried attempt never sends it twice), and follows
 * the workspace's send window and frequency cap.
 */
export function createDripActivities(deps: DripActivityDeps): DripActivities {
  const { drips, sequences } = deps;

  async function sendStep({
    workspaceId,
    sequenceId,
    contactId,
    step,
    sendKey,
  }: Parameters<DripActivities['sendStep']>[0]): Promise<SendStepResult> {
    const sequence = await drips.sequence(sequenceId);
    if (!sequence) return { kind: 'failed', reason: 'the sequence no longer exists' };
    if (sequence.paused) return { kind: 'held' };
    const contact = await drips.contact(workspaceId, contactId);
    if (!contact) return { kind: 'skipped', reason: 'the contact was erased', optedOut: true };
    if (contact.suppressed) {
      return { kind: 'skipped', reason: `opted out (${contact.suppressed})`, optedOut: true };
    }
    const now = Date.now();
    const inWindow =
      contact.lastInboundAt !== null && now - contact.lastInboundAt < SERVICE_WINDOW_MS;
    const useText = step.text !== undefined && inWindow;
    const templateRef = useText ? null : (step.template ?? step.fallbackTemplate!);
    const template = templateRef
      ? await deps.templates.byName(workspaceId, templateRef.name, templateRef.language)
      : null;
    if (templateRef && !template) {
      return {
        kind: 'failed',
        reason: `template ${templateRef.name} (${templateRef.language}) is not registered`,
      };
    }
    const variables = template
      ? template.variables.map((v) =>
          v === 'name' ? (contact.attributes.name ?? contact.name) : contact.attributes[v],
        )
      : null;
    const message = {
      workspaceId,
      sequenceId,
      contactId,
      phone: contact.phone,
      country: contact.country,
      sender: sequence.sender,
      templateName: template?.name ?? null,
      variables: variables?.length ? variables : null,
      sendKey,
    };
    if (variables?.some((v) => !v)) {
      const reason = `the contact has no value for ${template!.variables.join(', ')}`;
      await drips.skip(message, reason);
      return { kind: 'skipped', reason, optedOut: false };
    }

    // Delivery policy: the send window in the contact's local time, then the frequency cap
    // (marketing templates only; a reply inside the service window is not marketing).
    const policy = await sequences.deliveryPolicy(workspaceId);
    const timeZone = recipientTimeZone(contact.time_zone, contact.country, policy);
    const opens = nextSendTime(now, timeZone, policy.sendWindow);
    if (opens > now) return { kind: 'defer', until: opens, reason: 'quiet hours' };
    if (policy.frequencyCap && template?.category === 'MARKETING') {
      const windowMs = policy.frequencyCap.windowHours * 3_600_000;
      const recent = await drips.recentMessages(workspaceId, contactId, windowMs);
      if (recent.count >= policy.frequencyCap.max) {
        if (policy.frequencyCap.policy === 'skip') {
          const reason = `frequency cap: ${recent.count} messages in ${policy.frequencyCap.windowHours} h`;
          await drips.skip(message, reason);
          return { kind: 'skipped', reason, optedOut: false };
        }
        return {
          kind: 'defer',
          until: (recent.oldestAt ?? now) + windowMs + 1_000,
          reason: 'frequency cap',
        };
      }
    }

    await deps.rateLimits.ensure(senderKey(sequence.sender), deps.defaultSenderRate);
    const settings = deps.sendSettings;
    for (;;) {
      const reserved = await drips.reserve(message, {
        leadMs: settings.leadMs,
        maxAheadMs: MAX_SLOT_WAIT_MS,
        jitterMs: settings.jitterMs,
      });
      if (reserved.kind === 'halted') {
        return {
          kind: 'defer',
          until: Date.now() + 60_000,
          reason: `sender halted: ${reserved.reason}`,
        };
      }
      if (reserved.kind === 'wait') {
        return {
          kind: 'defer',
          until: Date.now() + (reserved.until - reserved.dbNow),
          reason: 'rate limit',
        };
      }
      if (reserved.kind === 'exists') {
        const { row } = reserved;
        if (['sent', 'delivered', 'read', 'unknown'].includes(row.status)) {
          return {
            kind: 'sent',
            rowId: row.id,
            content: useText ? 'text' : 'template',
            sentAt: row.sentAt ?? Date.now(),
          };
        }
        if (row.status === 'skipped') {
          return {
            kind: 'skipped',
            reason: row.errorMessage ?? 'skipped',
            optedOut: /opted out/.test(row.errorMessage ?? ''),
          };
        }
        return { kind: 'failed', reason: row.errorMessage ?? row.status };
      }
      // Precise pacing: leave at the slot, on this machine's clock.
      const wait = reserved.slotAt - reserved.dbNow;
      if (wait > 0) await sleep(wait);
      Context.current().heartbeat();
      const client = await deps.whatsapp.clientFor(workspaceId);
      const dispatchedAt = Date.now();
      const to = contact.phone.replace(/^\+/, '');
      const result = await (
        useText
          ? client.sendText(sequence.sender, to, step.text!, String(reserved.rowId))
          : client.sendTemplate(
              sequence.sender,
              to,
              {
                name: template!.name,
                language: template!.language,
                components: message.variables
                  ? [
                      {
                        type: 'body',
                        parameters: message.variables.map((text) => ({ type: 'text', text })),
                      },
                    ]
                  : undefined,
              },
              String(reserved.rowId),
            )
      ).then(
        (r) => ({ wamid: r.wamid }),
        (error: unknown) => ({ error }),
      );
      const verdict = judgeSend(
        { id: reserved.rowId, attempts: reserved.attempts },
        result,
        settings,
      );
      await deps.queue.record([verdict.outcome]);
      const outcome = verdict.outcome;
      switch (outcome.kind) {
        case 'sent':
        case 'unknown':
          return {
            kind: 'sent',
            rowId: reserved.rowId,
            content: useText ? 'text' : 'template',
            sentAt: dispatchedAt,
          };
        case 'retry':
          if (verdict.throttled) {
            await deps.rateLimits.throttle(senderKey(sequence.sender), 1, 1);
          }
          return { kind: 'defer', until: Date.now() + outcome.delayMs, reason: outcome.message };
        case 'failed':
          if (verdict.suppress)
            return { kind: 'skipped', reason: 'opted out (error_131050)', optedOut: true };
          return { kind: 'failed', reason: outcome.message };
        case 'release':
          continue;
      }
    }
  }

  return {
    async sendStep(input): Promise<SendStepResult> {
      const result = await sendStep(input);
      // What the enrolment waits for is visible in the API while it waits.
      const workflowId =
        Context.current().info.workflowExecution?.workflowId ?? input.sendKey.split('/')[0];
      const held =
        result.kind === 'held'
          ? 'the sequence is paused'
          : result.kind === 'defer' && result.reason !== 'rate limit'
            ? result.reason
            : null;
      await sequences.setHeld(workflowId, held);
      return result;
    },

    async localTime({ workspaceId, contactId, timeOfDay }) {
      const contact = await drips.contact(workspaceId, contactId);
      const policy = await sequences.deliveryPolicy(workspaceId);
      const zone = recipientTimeZone(contact?.time_zone, contact?.country ?? 'ZZ', policy);
      return nextLocalTime(Date.now(), zone, timeOfDay);
    },

    async listen({ workflowId, workspaceId, contactId, step, awaiting, since, readRowId }) {
      await sequences.setPosition(workflowId, step, awaiting);
      const contact = await drips.contact(workspaceId, contactId);
      return {
        replied: contact?.lastInboundAt !== null && (contact?.lastInboundAt ?? 0) >= since,
        read: readRowId !== null && (await drips.wasRead(readRowId)),
      };
    },

    async contactAttribute({ workspaceId, contactId, name }) {
      const contact = await drips.contact(workspaceId, contactId);
      return contact?.attributes[name] ?? null;
    },

    async finishEnrolment({ workflowId, status, reason }) {
      await sequences.finish(workflowId, status, reason);
    },
  };
}
