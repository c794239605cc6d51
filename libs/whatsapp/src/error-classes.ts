/**
 * How the engine reacts to a Cloud API error code. The table follows the provider's error-code
 * reference; unknown codes fall back on the HTTP status (5xx transient, otherwise permanent).
 */
export type ErrorClass = 'transient' | 'permanent' | 'campaign-fatal';

/** What a campaign-fatal error asks of the campaign. */
export type FatalAction = 'pause' | 'fail' | 'halt-account';

export interface ErrorClassification {
  errorClass: ErrorClass;
  /** For campaign-fatal errors. */
  action?: FatalAction;
  /** The recipient should go on the suppression list. */
  suppress?: boolean;
  /** Earliest sensible retry, when the provider's guidance gives one. */
  minRetryDelayMs?: number;
}

const TRANSIENT: Record<number, number | undefined> = {
  130429: undefined, // per-number throughput
  4: undefined, // app rate limit
  80007: undefined, // account rate limit
  131056: 4_000, // pair rate limit: 4^n seconds
  131057: 60_000, // number under maintenance / throughput upgrade
  131000: undefined, // generic provider error
  131016: undefined, // service unavailable
  133004: undefined, // server temporarily unavailable
};

const PERMANENT_FOR_RECIPIENT = new Set([131026, 131047, 131030, 131051, 131052, 131053]);
const BAD_REQUEST_FAILS_CAMPAIGN = new Set([100, 131008, 131009, 132000, 132001, 132012]);
const PAUSES_CAMPAIGN = new Set([131048, 132015, 132016]);
const HALTS_ACCOUNT = new Set([131031, 368, 131042, 190]);

export function classifyError(code: number | undefined, httpStatus: number): ErrorClassification {
  if (code !== undefined) {
    if (code in TRANSIENT) return { errorClass: 'transient', minRetryDelayMs: TRANSIENT[code] };
    if (code === 131050) return { errorClass: 'permanent', suppress: true };
    // Withheld by the per-user marketing cap: permanent for this campaign (no retry within 24 h).
    if (code === 131049) return { errorClass: 'permanent' };
    if (PERMANENT_FOR_RECIPIENT.has(code)) return { errorClass: 'permanent' };
    if (BAD_REQUEST_FAILS_CAMPAIGN.has(code))
      return { errorClass: 'campaign-fatal', action: 'fail' };
    if (PAUSES_CAMPAIGN.has(code)) return { errorClass: 'campaign-fatal', action: 'pause' };
    if (HALTS_ACCOUNT.has(code)) return { errorClass: 'campaign-fatal', action: 'halt-account' };
  }
  if (httpStatus === 401) return { errorClass: 'campaign-fatal', action: 'halt-account' };
  if (httpStatus === 429 || httpStatus >= 500) return { errorClass: 'transient' };
  return { errorClass: 'permanent' };
}
