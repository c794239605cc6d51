/**
 * Coalesces calls per key: marks made within one interval become one call per key, with the
 * marks' values merged, so a burst of webhooks signals each workflow once a second instead of
 * once per event (Temporal caps signals per execution, and each costs history).
 */
export class CoalescedCalls<V> {
  private pending = new Map<string, V>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly run: (batch: Map<string, V>) => Promise<void>,
    private readonly merge: (earlier: V | undefined, later: V) => V,
  ) {}

  mark(key: string, value: V): void {
    this.pending.set(key, this.merge(this.pending.get(key), value));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.flush());
    }, this.intervalMs);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size) await this.run(batch);
  }

  /** Delivers what is pending, but never holds shutdown for long if its target is gone. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const drained = this.inFlight.then(() => this.flush());
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }
}
