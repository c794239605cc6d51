import { Context } from '@temporalio/activity';
import { toWhatsAppRecipient, transitionKey, type RecipientStatus } from '#libs/domain';
import type { RecipientRepository, SendableRecipient } from '#libs/persistence';
import {
  WhatsAppApiError,
  WhatsAppTransportError,
  type TemplateComponent,
  type WhatsAppClient,
} from '#libs/whatsapp';
import type { SendChunkInput, SendChunkResult } from '#workflows/campaign.activities';
import { retryDelayMs } from './retry-policy.js';

export interface SendChunkDeps {
  recipients: RecipientRepository;
  whatsapp: WhatsAppClient;
  loadTemplate(campaignId: string): Promise<{ name: string; language: string }>;
  concurrency: number;
  maxAttempts: number;
}

/**
 * When a webhook moved the row first it reported `sending>…` itself, so this attempt only
 * accounts for `pending>sending`; the workflow's counts stay exact either way.
 */
const moved = (didMove: boolean, to: RecipientStatus): Outcome => ({
  kind: 'moved',
  to: didMove ? to : 'sending',
});

type Outcome =
  | { kind: 'moved'; to: RecipientStatus }
  | { kind: 'retry' }
  | { kind: 'skipped' }
  | { kind: 'fatal'; fatal: NonNullable<SendChunkResult['fatal']> };

/**
 * Sends one chunk. Each row is claimed (pending → sending) and committed before its HTTP call
 * and recorded after it, so a retried chunk never re-sends a row that went out.
 */
export function createSendChunk(deps: SendChunkDeps) {
  return async function sendChunk(input: SendChunkInput): Promise<SendChunkResult> {
    const ctx = Context.current();
    const transitions: Record<string, number> = {};
    const count = (from: RecipientStatus, to: RecipientStatus) => {
      const key = transitionKey(from, to);
      transitions[key] = (transitions[key] ?? 0) + 1;
    };

    if (ctx.info.attempt > 1) {
      const interrupted = await deps.recipients.settleInterruptedSends(input.campaignId);
      if (interrupted) transitions[transitionKey('sending', 'unknown')] = interrupted;
    }

    const template = await deps.loadTemplate(input.campaignId);
    const batch = await deps.recipients.nextPending(input.campaignId, input.limit);
    let fatal: SendChunkResult['fatal'] = null;

    const sendOne = async (row: SendableRecipient): Promise<Outcome> => {
      if (!(await deps.recipients.markSending(row.id))) return { kind: 'skipped' };
      const components: TemplateComponent[] | undefined = row.variables?.length
        ? [{ type: 'body', parameters: row.variables.map((text) => ({ type: 'text', text })) }]
        : undefined;
      try {
        const sent = await deps.whatsapp.sendTemplate(
          toWhatsAppRecipient(row.phone),
          { ...template, components },
          String(row.id),
        );
        return moved(await deps.recipients.markSent(row.id, sent.wamid), 'sent');
      } catch (err) {
        return recordFailure(row, err);
      }
    };

    const recordFailure = async (row: SendableRecipient, err: unknown): Promise<Outcome> => {
      if (err instanceof WhatsAppTransportError && err.outcome === 'unknown') {
        return moved(await deps.recipients.markUnknown(row.id, err.message), 'unknown');
      }
      const api = err instanceof WhatsAppApiError ? err : undefined;
      if (!api && !(err instanceof WhatsAppTransportError)) throw err;
      const cls = api?.classification ?? { errorClass: 'transient' as const };
      if (cls.errorClass === 'campaign-fatal') {
        await deps.recipients.releaseToPending(row.id);
        return {
          kind: 'fatal',
          fatal: {
            action: api?.classification.action ?? 'fail',
            code: api?.code ?? null,
            reason: (err as Error).message,
          },
        };
      }
      if (cls.errorClass === 'transient') {
        const delay = retryDelayMs(row.attempts + 1, api?.retryAfterMs ?? cls.minRetryDelayMs);
        if (row.attempts + 1 < deps.maxAttempts) {
          await deps.recipients.scheduleRetry(row.id, delay);
          return { kind: 'retry' };
        }
      }
      const failed = await deps.recipients.markFailed(
        row.id,
        api?.code ?? null,
        (err as Error).message,
      );
      return moved(failed, 'failed');
    };

    let next = 0;
    let processed = 0;
    const lane = async () => {
      while (next < batch.length && !fatal) {
        const row = batch[next++];
        const outcome = await sendOne(row);
        processed += 1;
        ctx.heartbeat(processed);
        if (outcome.kind === 'moved') count('pending', outcome.to);
        if (outcome.kind === 'fatal') fatal ??= outcome.fatal;
        if (ctx.cancellationSignal.aborted) break;
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, batch.length) }, lane));
    // Cancelled: every row this attempt started is recorded; report the cancellation itself.
    ctx.cancellationSignal.throwIfAborted();

    const { pending, nextAttemptAt } = await deps.recipients.pendingSummary(input.campaignId);
    return {
      processed,
      transitions,
      pending,
      nextAttemptAt: nextAttemptAt?.getTime() ?? null,
      fatal,
    };
  };
}
