import type { StatusCounts } from './campaign.definitions.js';

/** Pure helpers over status counts; kept here so the workflow bundle needs no other library. */

export function emptyCounts(): StatusCounts {
  return {
    pending: 0,
    sending: 0,
    unknown: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
}

export function applyTransitions(
  counts: StatusCounts,
  transitions: Record<string, number>,
): StatusCounts {
  const next = { ...counts };
  for (const [key, n] of Object.entries(transitions)) {
    const [from, to] = key.split('>') as [keyof StatusCounts, keyof StatusCounts];
    if (!(from in next) || !(to in next)) continue;
    next[from] -= n;
    next[to] += n;
  }
  return next;
}

/** Rows that still expect something: not yet sent, or sent and awaiting a delivery status. */
export function outstanding(counts: StatusCounts): number {
  return counts.pending + counts.sending + counts.unknown + counts.sent;
}
