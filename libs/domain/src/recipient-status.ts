/**
 * Lifecycle of one recipient of a campaign.
 *
 * pending → sending → sent → delivered → read, or → failed; skipped and cancelled end a row that
 * was never sent. `unknown` is a send whose outcome was lost (the request may have left); only a
 * status webhook settles it, it is never blindly repeated.
 */
export const RECIPIENT_STATUSES = [
  'pending',
  'sending',
  'unknown',
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** Statuses a provider webhook can report. */
export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Rank used to keep status changes monotonic: a row only ever moves to a higher rank, so late,
 * duplicated or reordered webhooks cannot move it backwards. The one definition of the order:
 * the database's guards are given this table.
 */
export const STATUS_RANK: Record<RecipientStatus, number> = {
  pending: 0,
  sending: 1,
  unknown: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  skipped: 5,
  cancelled: 5,
};

export function canMoveTo(from: RecipientStatus, to: RecipientStatus): boolean {
  return STATUS_RANK[to] > STATUS_RANK[from];
}

/**
 * Why a `failed` row failed, which decides whether "retry failed" sends it again: `transient`
 * (the provider kept failing until the attempts ran out) and `unknown_outcome` (no status ever
 * came for a send whose answer was lost) are retried; `permanent` is not.
 */
export const FAILURE_CLASSES = ['transient', 'permanent', 'unknown_outcome'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];
export const RETRYABLE_FAILURES: readonly FailureClass[] = ['transient', 'unknown_outcome'];

/** Statuses after which the engine expects nothing more for the row. */
export const SETTLED_STATUSES: readonly RecipientStatus[] = [
  'delivered',
  'read',
  'failed',
  'skipped',
  'cancelled',
];

export type StatusCounts = Record<RecipientStatus, number>;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(RECIPIENT_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Counts by status, in all and per destination country, with a version that only grows. */
export interface CountsSnapshot {
  version: number;
  counts: StatusCounts;
  byCountry: Record<string, Partial<StatusCounts>>;
}
