import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('reports percentiles to the millisecond and the exact maximum', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 98; i++) h.record(2.3);
    h.record(40.2);
    h.record(12_345);
    expect(h.percentile(0.5)).toBe(3);
    expect(h.percentile(0.99)).toBe(41);
    expect(h.percentile(1)).toBe(12_345);
    expect(h.maxMs).toBe(12_345);
  });

  it('never reports a percentile above the maximum, and zeros when empty or reset', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.99)).toBe(0);
    h.record(0.4);
    expect(h.percentile(0.5)).toBe(0.4);
    h.reset();
    expect([h.percentile(0.5), h.maxMs]).toEqual([0, 0]);
  });
});
