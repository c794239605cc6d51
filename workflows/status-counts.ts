import type { StatusCounts } from './campaign.definitions.js';

/** Pure helpers over status counts; kept here so the workflow bundle needs no other library. */

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
