/**
 * The business portfolio's messaging limit: how many unique users it may reach with template
 * messages outside a customer service window in a moving window (24 hours at Meta), shared by
 * every phone number since October 2025. Each user reached is kept with the time it was last
 * reached, in that order (delete, then set), so the users whose last message has left the window
 * are at the front and pruning costs only what it removes. Nothing is kept while no limit is set.
 */
export class MessagingTier {
  private readonly reached = new Map<string, number>();
  refused = 0;

  /** Whether a send to `to` stays within the limit: a user already reached always does. */
  allows(to: string, limit: number, windowMs: number, now: number): boolean {
    this.prune(windowMs, now);
    return this.reached.size < limit || this.reached.has(to);
  }

  record(to: string, now: number): void {
    this.reached.delete(to);
    this.reached.set(to, now);
  }

  refuse(): void {
    this.refused++;
  }

  /** Unique users reached in the window that ends now. */
  count(windowMs: number, now: number): number {
    this.prune(windowMs, now);
    return this.reached.size;
  }

  reset(): void {
    this.reached.clear();
    this.refused = 0;
  }

  private prune(windowMs: number, now: number): void {
    for (const [to, at] of this.reached) {
      if (now - at < windowMs) break;
      this.reached.delete(to);
    }
  }
}
