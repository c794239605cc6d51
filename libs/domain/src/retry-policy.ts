const BASE_MS = 1_000;
const CAP_MS = 5 * 60_000;

/**
 * Exponential backoff with full jitter for the n-th attempt (n ≥ 1), never earlier than the
 * provider's own guidance (Retry-After, or the error code's documented wait).
 */
export function retryDelayMs(attempt: number, floorMs?: number, random = Math.random): number {
  const exp = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return Math.max(jittered, floorMs ?? 0);
}

/** Meta's advice for the pair rate limit (131056): wait 4^n seconds, n the attempts so far. */
export function pairRateDelayMs(attempt: number): number {
  return Math.min(CAP_MS * 4, 4 ** Math.max(1, attempt) * 1000);
}
