import { pairRateDelayMs, retryDelayMs } from './retry-policy.js';

describe('retryDelayMs', () => {
  it('grows exponentially with jitter between half and the full step', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(4, undefined, () => 0)).toBe(4000);
    expect(retryDelayMs(4, undefined, () => 1)).toBe(8000);
  });

  it('is capped at five minutes', () => {
    expect(retryDelayMs(30, undefined, () => 1)).toBe(300_000);
  });

  it('never retries earlier than the provider asks', () => {
    expect(retryDelayMs(1, 60_000, () => 0)).toBe(60_000);
  });
});

describe('pairRateDelayMs', () => {
  it('waits 4^n seconds, capped at twenty minutes', () => {
    expect(pairRateDelayMs(1)).toBe(4_000);
    expect(pairRateDelayMs(3)).toBe(64_000);
    expect(pairRateDelayMs(9)).toBe(1_200_000);
  });
});
