/**
 * Meta's pair rate: one business number may not send to the same user again within a short
 * window (about 6 s). Entries are kept in order of their last send (delete, then set), so the
 * expired ones are always at the front and pruning costs only what it removes.
 */
export class PairRate {
  private readonly lastSent = new Map<string, number>();

  allows(phoneNumberId: string, to: string, windowMs: number, now: number): boolean {
    const last = this.lastSent.get(`${phoneNumberId}:${to}`);
    return last === undefined || now - last >= windowMs;
  }

  record(phoneNumberId: string, to: string, windowMs: number, now: number): void {
    const key = `${phoneNumberId}:${to}`;
    this.lastSent.delete(key);
    this.lastSent.set(key, now);
    for (const [oldKey, time] of this.lastSent) {
      if (now - time < windowMs) break;
      this.lastSent.delete(oldKey);
    }
  }
}
