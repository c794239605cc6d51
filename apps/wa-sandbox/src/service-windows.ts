/** Meta's customer service window: 24 hours from the user's last message to the business. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The open customer service windows, one per business number and user. Entries are kept in the
 * order of their last inbound message (delete, then set), so expired ones are at the front and
 * pruning costs only what it removes.
 */
export class ServiceWindows {
  private readonly lastInbound = new Map<string, number>();

  /** A user wrote to the business number at `atMs` (which may be a moment ahead: a reply due). */
  opened(phoneNumberId: string, from: string, atMs: number): void {
    const key = `${phoneNumberId}:${from}`;
    this.lastInbound.delete(key);
    this.lastInbound.set(key, atMs);
    for (const [oldKey, time] of this.lastInbound) {
      if (atMs - time < SERVICE_WINDOW_MS) break;
      this.lastInbound.delete(oldKey);
    }
  }

  isOpen(phoneNumberId: string, to: string, now: number): boolean {
    if (this.lastInbound.size === 0) return false;
    const at = this.lastInbound.get(`${phoneNumberId}:${to}`);
    return at !== undefined && at <= now && now - at < SERVICE_WINDOW_MS;
  }
}
