import { pairRateDelayMs, retryDelayMs } from '#libs/domain';
import type { SendOutcome } from '#libs/persistence';
import { WhatsAppApiError, WhatsAppTransportError } from '#libs/whatsapp';
import { TemplateValuesError } from './template-message.js';

/** What stops a campaign's sending at once. */
export interface SendStop {
  action: 'pause' | 'fail' | 'halt';
  code: number | null;
  reason: string;
  /** The refusal is of the message's template (paused, disabled, gone), not of the sender. */
  template?: boolean;
}

export interface Verdict {
  outcome: SendOutcome;
  /** The provider throttled the sender (130429 and kin). */
  throttled?: boolean;
  /** The recipient's template parameters were refused. */
  parameterError?: boolean;
  stop?: SendStop;
  /** The recipient asked not to get marketing messages (131050). */
  suppress?: boolean;
}

export interface VerdictPolicy {
  maxAttempts: number;
  /** Wait before a throttled recipient is tried again (it keeps its attempts). */
  throttledRetryMs: number;
  random?: () => number;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Turns the result of one provider call into the row's outcome and what it means for the
 * campaign, by error class (see shared/whatsapp-cloud-api.md).
 */
export function judgeSend(
  row: { id: number; attempts: number; slotAt: number },
  result: { wamid: string } | { error: unknown },
  policy: VerdictPolicy,
): Verdict {
  const of = { id: row.id, slot: row.slotAt };
  if ('wamid' in result) return { outcome: { ...of, kind: 'sent', wamid: result.wamid } };
  const err = result.error;
  const message = describe(err);
  const retryOrFail = (delayMs: number, code: number | null): Verdict =>
    row.attempts < policy.maxAttempts
      ? { outcome: { ...of, kind: 'retry', delayMs, refund: false, code, message } }
      : { outcome: { ...of, kind: 'failed', cls: 'transient', code, message } };

  if (err instanceof WhatsAppTransportError) {
    if (err.outcome === 'unknown') return { outcome: { ...of, kind: 'unknown', message } };
    return retryOrFail(retryDelayMs(row.attempts, undefined, policy.random), null);
  }
  if (err instanceof TemplateValuesError) {
    // Nothing left: the values cannot make this message, now or on a retry.
    return { outcome: { ...of, kind: 'failed', cls: 'permanent', code: null, message } };
  }
  if (!(err instanceof WhatsAppApiError)) {
    // Not a provider answer: the request may or may not have left, so it is not repeated.
    return { outcome: { ...of, kind: 'unknown', message } };
  }
  const code = err.code ?? null;
  const cls = err.classification;
  switch (cls.kind) {
    case 'throttled':
      return {
        outcome: {
          ...of,
          kind: 'retry',
          delayMs: Math.max(policy.throttledRetryMs, err.retryAfterMs ?? 0),
          refund: true,
          code,
          message,
        },
        throttled: true,
      };
    case 'transient': {
      const floor = cls.pairRate
        ? pairRateDelayMs(row.attempts)
        : Math.max(err.retryAfterMs ?? 0, cls.minRetryDelayMs ?? 0);
      return retryOrFail(retryDelayMs(row.attempts, floor, policy.random), code);
    }
    case 'permanent':
      return {
        outcome: { ...of, kind: 'failed', cls: 'permanent', code, message },
        suppress: cls.suppress,
      };
    case 'parameter':
      return {
        outcome: { ...of, kind: 'failed', cls: 'permanent', code, message },
        parameterError: true,
      };
    case 'campaign':
      return {
        outcome: { ...of, kind: 'release' },
        stop: {
          action: cls.campaignAction ?? 'fail',
          code,
          reason: message,
          ...(cls.template ? { template: true } : {}),
        },
      };
    case 'sender':
      return {
        outcome: { ...of, kind: 'release' },
        stop: { action: 'halt', code, reason: message },
      };
  }
}
