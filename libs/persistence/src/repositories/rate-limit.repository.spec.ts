import { THROTTLE, throttleCut } from './rate-limit.repository.js';

describe('throttleCut', () => {
  it('barely slows a sender for a stray refusal', () => {
    expect(throttleCut(1, 1000)).toBeCloseTo(1 - THROTTLE.minCut);
  });

  it('cuts by twice the refused share, at most by half', () => {
    expect(throttleCut(10, 100)).toBeCloseTo(0.8);
    expect(throttleCut(90, 100)).toBeCloseTo(0.5);
    expect(throttleCut(3, 0)).toBeCloseTo(0.5);
  });
});
