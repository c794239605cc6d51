import { STATUS_RANK, type DeliveryStatus, type RecipientStatus } from './recipient-status.js';

export interface StatusEventInput {
  recipientId: number | null;
  wamid: string;
  status: DeliveryStatus;
  at: Date;
  errorCode?: number;
  errorMessage?: string;
}

export interface CurrentRow {
  id: number;
  campaignId: string;
  status: RecipientStatus;
  wamid: string | null;
}

export interface StatusChange {
  id: number;
  campaignId: string;
  from: RecipientStatus;
  to: DeliveryStatus;
  at: Date;
  wamid: string;
  errorCode?: number;
  errorMessage?: string;
}

/**
 * Decides which rows move, given their locked current state and a batch of webhook events.
 * Events may be duplicated, reordered or skip steps; each row moves at most once, to the
 * highest-ranked status seen, and never backwards.
 */
export function planStatusChanges(rows: CurrentRow[], events: StatusEventInput[]): StatusChange[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byWamid = new Map(rows.filter((r) => r.wamid).map((r) => [r.wamid as string, r]));
  const best = new Map<number, StatusEventInput>();
  for (const event of events) {
    const row =
      (event.recipientId !== null ? byId.get(event.recipientId) : undefined) ??
      byWamid.get(event.wamid);
    if (!row) continue;
    const current = best.get(row.id);
    if (!current || STATUS_RANK[event.status] > STATUS_RANK[current.status]) {
      best.set(row.id, event);
    }
  }
  const changes: StatusChange[] = [];
  for (const [id, event] of best) {
    const row = byId.get(id) as CurrentRow;
    if (STATUS_RANK[event.status] <= STATUS_RANK[row.status]) continue;
    changes.push({
      id,
      campaignId: row.campaignId,
      from: row.status,
      to: event.status,
      at: event.at,
      wamid: event.wamid,
      errorCode: event.errorCode,
      errorMessage: event.errorMessage,
    });
  }
  return changes;
}

/** Per-campaign transition counts, the payload of one batched status signal. */
export type TransitionCounts = Record<string, number>;

export const transitionKey = (from: RecipientStatus, to: RecipientStatus) => `${from}>${to}`;

export function groupTransitions(changes: StatusChange[]): Map<string, TransitionCounts> {
  const out = new Map<string, TransitionCounts>();
  for (const c of changes) {
    const counts = out.get(c.campaignId) ?? {};
    const key = transitionKey(c.from, c.to);
    counts[key] = (counts[key] ?? 0) + 1;
    out.set(c.campaignId, counts);
  }
  return out;
}
