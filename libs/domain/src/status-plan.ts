import {
  STATUS_RANK,
  type DeliveryStatus,
  type FailureClass,
  type RecipientStatus,
} from './recipient-status.js';

export interface StatusEventInput {
  /** The recipient row, from the callback data the engine sent; null for foreign messages. */
  recipientId: number | null;
  wamid: string;
  status: DeliveryStatus;
  at: Date;
  errorCode?: number;
  errorMessage?: string;
  /** For failed statuses: whether "retry failed" may send it again. */
  errorClass?: FailureClass;
}

/** A row a status moved on, as the database reports it. */
export interface AppliedStatus {
  id: number;
  campaignId: string;
  /** A campaign's row, or one of a sequence's messages. */
  kind: 'campaign' | 'sequence';
  /** The number the row was sent to (E.164). */
  phone: string;
  /** The contact the row was sent to, when known (sequence messages always). */
  contactId: string | null;
  status: RecipientStatus;
  wamid: string;
  errorCode: number | null;
  errorMessage: string | null;
}

/**
 * Keeps one event per recipient: the highest-ranked. A delivery may carry duplicates and
 * reordered or skipped steps; the database then moves each row at most once, and only forwards.
 * Sorted by recipient id, the order in which every writer locks rows.
 */
export function bestEventPerRecipient(
  events: (StatusEventInput & { recipientId: number })[],
): (StatusEventInput & { recipientId: number })[] {
  const best = new Map<number, StatusEventInput & { recipientId: number }>();
  for (const event of events) {
    const current = best.get(event.recipientId);
    if (!current || STATUS_RANK[event.status] > STATUS_RANK[current.status]) {
      best.set(event.recipientId, event);
    }
  }
  return [...best.values()].sort((a, b) => a.recipientId - b.recipientId);
}
