const WINDOW_MS = 1000;

/** The accept times of one number's most recent sends, oldest at `head`. */
class Ring {
  times = new Float64Array(16);
  head = 0;
  size = 0;

  oldest(): number {
    return this.times[this.head];
  }

  push(time: number, limit: number): void {
    // Times a full window old can no longer matter; dropping them bounds memory at high limits.
    while (this.size > 0 && time - this.oldest() >= WINDOW_MS) this.dropOldest();
    if (this.size >= limit) this.dropOldest();
    else if (this.size === this.times.length) this.grow(limit);
    this.times[(this.head + this.size) % this.times.length] = time;
    this.size++;
  }

  /** Keeps the newest `limit` times when the limit is lowered at run time. */
  shrinkTo(limit: number): void {
    while (this.size > limit) this.dropOldest();
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % this.times.length;
    this.size--;
  }

  private grow(limit: number): void {
    const next = new Float64Array(Math.min(this.times.length * 2, limit));
    for (let i = 0; i < this.size; i++) next[i] = this.times[(this.head + i) % this.times.length];
    this.times = next;
    this.head = 0;
  }
}

/**
 * Per-number throughput as the provider enforces it: at most `limit` accepted sends in any
 * sliding one-second window. Each number keeps only its last `limit` accept times, so a check is
 * O(1): there is room when fewer than `limit` are kept or the oldest is a full window old.
 * Checking and recording are separate so a send refused by a later check takes no slot.
 */
export class ThroughputWindow {
  private readonly rings = new Map<string, Ring>();

  hasRoom(phoneNumberId: string, limit: number, now: number): boolean {
    const ring = this.rings.get(phoneNumberId);
    if (!ring) return true;
    if (ring.size > limit) ring.shrinkTo(limit);
    return ring.size < limit || now - ring.oldest() >= WINDOW_MS;
  }

  record(phoneNumberId: string, limit: number, now: number): void {
    let ring = this.rings.get(phoneNumberId);
    if (!ring) this.rings.set(phoneNumberId, (ring = new Ring()));
    ring.push(now, limit);
  }
}
