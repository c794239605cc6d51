/**
 * How the engine reacts to a Cloud API error code, after the provider's error-code reference
 * (see shared/whatsapp-cloud-api.md). Unknown codes fall back on the HTTP status.
 */
export type SendErrorKind =
  /** The sender is over its throughput: slow the sender down; never counts as an attempt. */
  | 'throttled'
  /** Retry this recipient later, with backoff. */
  | 'transient'
  /** This recipient fails; retrying cannot help. */
  | 'permanent'
  /** This recipient's template parameters were refused: it fails; many in a row fail the campaign. */
  | 'parameter'
  /** The campaign itself cannot go on (template gone, paused, spam limit): pause or fail it. */
  | 'campaign'
  /** The sending account cannot send at all: halt every campaign of this sender. */
  | 'sender';

export interface ErrorClassification {
  kind: SendErrorKind;
  /** For `campaign`: what happens to the campaign. */
  campaignAction?: 'pause' | 'fail';
  /** The recipient must go on the suppression list. */
  suppress?: boolean;
  /** Earliest sensible retry from the provider's guidance, for transient errors. */
  minRetryDelayMs?: number;
  /** Pair rate limit: wait 4^n seconds, n the recipient's attempts. */
  pairRate?: boolean;
  /** For `campaign`: the refusal is of the template (paused, disabled, not found). */
  template?: boolean;
}

const THROTTLED = new Set([130429, 4, 80007]);
const TRANSIENT: Record<number, number | undefined> = {
  131056: undefined, // pair rate limit, see pairRate
  131057: 60_000, // number under maintenance / throughput upgrade
  131000: undefined, // something went wrong
  131016: undefined, // service unavailable
  133004: undefined, // server temporarily unavailable
  2: undefined, // API service temporarily unavailable
};
/** Undeliverable, outside the window, not allowed, withheld by Meta (no retry within 24 h). */
const PERMANENT = new Set([131026, 131047, 131030, 131052, 131049, 130472, 131021, 131050]);
const PARAMETER = new Set([100, 131008, 131009, 132000, 132005, 132012]);
const FAILS_CAMPAIGN = new Set([132001, 132007, 131051, 131053, 132068, 132069]);
const PAUSES_CAMPAIGN = new Set([131048, 132015, 132016]);
/** Token, permission, account locked or blocked, billing, number not registered. */
const HALTS_SENDER = new Set([190, 10, 200, 368, 131005, 131031, 131042, 133010, 133005]);

export function classifyError(code: number | undefined, httpStatus: number): ErrorClassification {
  if (code !== undefined) {
    if (THROTTLED.has(code)) return { kind: 'throttled' };
    if (code === 131056) return { kind: 'transient', pairRate: true };
    if (code in TRANSIENT) return { kind: 'transient', minRetryDelayMs: TRANSIENT[code] };
    if (code === 131050) return { kind: 'permanent', suppress: true };
    if (PERMANENT.has(code)) return { kind: 'permanent' };
    if (PARAMETER.has(code)) return { kind: 'parameter' };
    if (code === 132001) return { kind: 'campaign', campaignAction: 'fail', template: true };
    if (code === 132015) return { kind: 'campaign', campaignAction: 'pause', template: true };
    if (code === 132016) return { kind: 'campaign', campaignAction: 'pause', template: true };
    if (FAILS_CAMPAIGN.has(code)) return { kind: 'campaign', campaignAction: 'fail' };
    if (PAUSES_CAMPAIGN.has(code)) return { kind: 'campaign', campaignAction: 'pause' };
    if (HALTS_SENDER.has(code)) return { kind: 'sender' };
  }
  if (httpStatus === 401 || httpStatus === 403) return { kind: 'sender' };
  if (httpStatus === 429) return { kind: 'throttled' };
  if (httpStatus >= 500) return { kind: 'transient' };
  return { kind: 'permanent' };
}
