/**
 * Per-number throughput as the provider enforces it: at most `limit` accepted sends in any
 * sliding one-second window.
 */
export class ThroughputLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly limit: number) {}

  tryAcquire(key: string, now = Date.now()): boolean {
    const recent = (this.windows.get(key) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= this.limit) {
      this.windows.set(key, recent);
      return false;
    }
    recent.push(now);
    this.windows.set(key, recent);
    return true;
  }
}
