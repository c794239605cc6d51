import type { StatusCounts } from '#libs/domain';

/** Pure helpers over status counts, kept here so the workflow bundle needs no other library. */

/** Rows still to send: pending, or claimed and not yet recorded. */
export function unsent(counts: Partial<StatusCounts>): number {
  return (counts.pending ?? 0) + (counts.sending ?? 0);
}

/** Rows that still expect something: not yet sent, or sent and awaiting a final status. */
export function outstanding(counts: Partial<StatusCounts>): number {
  return unsent(counts) + (counts.unknown ?? 0) + (counts.sent ?? 0);
}
