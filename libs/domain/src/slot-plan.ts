/**
 * Send-slot planning for the global rate limiter.
 *
 * Every limit key (a sender number, a destination country, a campaign) is a generic cell rate
 * algorithm: it keeps its theoretical next send time (`nextAt`, in ms), a spacing (`intervalMs`)
 * and a tolerance (`toleranceMs`): a send may go up to the tolerance before `nextAt`, and moves
 * `nextAt` on by one interval from the later of the two. A message that falls under several keys
 * gets ONE send time at which every one of its keys allows it, and that time moves every one of
 * those keys on. Reserving keys independently and sending at the slower key's pace would let
 * the faster key's slots be used twice; one joint time per message cannot.
 *
 * The tolerance lets a slow key (a country) take the sender's slot just before its own time
 * instead of the one after, so it does not drift off its rate on the sender's grid. Any window
 * of 1 s then holds at most floor((1000 + tolerance + lateness) / interval) + 1 sends, which
 * stays within the limit while tolerance plus dispatch lateness stay within the jitter
 * allowance the interval was widened by (see slotIntervalMs).
 *
 * Messages come in groups that share a key set (one group per rate-limited country, one for all
 * other countries). The planner always serves the group that can go earliest, so a slow country
 * never leaves the sender's slots idle while messages to other countries wait.
 */

export interface LimitKey {
  /** Milliseconds between two sends on this key. */
  intervalMs: number;
  /** Theoretical time (ms) of the next send on this key. */
  nextAt: number;
  /** How much before `nextAt` a send may go (0 when absent). */
  toleranceMs?: number;
}

export interface SlotGroup<G extends string = string> {
  id: G;
  /** Keys every message of the group needs. */
  keys: string[];
  /** Messages of this group waiting for a slot. */
  waiting: number;
}

export interface SlotPlanInput<G extends string> {
  keys: Record<string, LimitKey>;
  groups: SlotGroup<G>[];
  /** No slot before this time (now plus the time needed to prepare the send). */
  from: number;
  /** No slot after this time: the horizon of one reservation. */
  until: number;
  /** At most this many slots in all. */
  max: number;
}

export interface SlotPlan<G extends string> {
  /** Send times in ascending order, each with its group. */
  slots: { group: G; at: number }[];
  /** The keys' next free times after this plan. */
  keys: Record<string, LimitKey>;
  /** When nothing could be planned: the earliest time a slot could open for a waiting group. */
  nextPossibleAt: number | null;
}

export function planSlots<G extends string>(input: SlotPlanInput<G>): SlotPlan<G> {
  const keys: Record<string, LimitKey> = {};
  for (const [name, key] of Object.entries(input.keys)) keys[name] = { ...key };
  const waiting = new Map(input.groups.map((g) => [g.id, g.waiting]));
  const slots: { group: G; at: number }[] = [];
  const earliest = (group: SlotGroup<G>) =>
    group.keys.reduce((t, k) => {
      const key = keys[k];
      return key ? Math.max(t, key.nextAt - (key.toleranceMs ?? 0)) : t;
    }, input.from);
  // On a tie the scarcest group goes first: a slot lost to a slow key costs more than one lost
  // to a fast key.
  const scarcity = new Map(
    input.groups.map((g) => [g.id, Math.max(0, ...g.keys.map((k) => keys[k]?.intervalMs ?? 0))]),
  );

  while (slots.length < input.max) {
    let best: SlotGroup<G> | undefined;
    let bestAt = Infinity;
    for (const group of input.groups) {
      if ((waiting.get(group.id) ?? 0) <= 0) continue;
      const at = earliest(group);
      const scarcer = at === bestAt && best && scarcity.get(group.id)! > scarcity.get(best.id)!;
      if (at < bestAt || scarcer) {
        best = group;
        bestAt = at;
      }
    }
    if (!best || bestAt > input.until) {
      return {
        slots,
        keys,
        nextPossibleAt: slots.length === 0 && best ? bestAt : null,
      };
    }
    slots.push({ group: best.id, at: bestAt });
    waiting.set(best.id, (waiting.get(best.id) ?? 0) - 1);
    for (const k of best.keys) {
      const key = keys[k];
      if (key) key.nextAt = Math.max(key.nextAt, bestAt) + key.intervalMs;
    }
  }
  return { slots, keys, nextPossibleAt: null };
}

/**
 * How many messages a group could send within [from, until] if it were alone: an upper bound
 * on how many of its rows are worth fetching for one reservation.
 */
export function groupCapacity(
  keys: Record<string, LimitKey>,
  groupKeys: string[],
  from: number,
  until: number,
): number {
  let capacity = Infinity;
  for (const k of groupKeys) {
    const key = keys[k];
    if (!key) continue;
    const start = Math.max(from, key.nextAt - (key.toleranceMs ?? 0));
    const n = start > until ? 0 : Math.floor((until - start) / key.intervalMs) + 1;
    capacity = Math.min(capacity, n);
  }
  return capacity;
}

/**
 * Spacing that keeps every sliding one-second window at or under `ratePerSecond`, even when each
 * send leaves up to `jitterMs` after its slot: `ratePerSecond` slots then span 1 s + jitter.
 */
export function slotIntervalMs(ratePerSecond: number, jitterMs: number): number {
  return (1000 + jitterMs) / ratePerSecond;
}
