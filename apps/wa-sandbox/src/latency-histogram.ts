const BUCKETS = 10_000;

/**
 * Round-trip times in bounded memory: one bucket per millisecond up to 10 s (slower ones share
 * the last bucket), plus the exact maximum. A percentile is reported as its bucket's upper edge,
 * never above the maximum seen.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(BUCKETS + 1);
  private count = 0;
  private max = 0;

  record(ms: number): void {
    const bucket = Math.min(Math.floor(ms), BUCKETS);
    this.buckets[bucket] = this.buckets[bucket] + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket++) {
      seen += this.buckets[bucket];
      // The last bucket has no upper edge: only the maximum bounds it.
      if (seen >= rank)
        return bucket < BUCKETS ? Math.min(bucket + 1, round(this.max)) : round(this.max);
    }
    return round(this.max);
  }

  get maxMs(): number {
    return round(this.max);
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
