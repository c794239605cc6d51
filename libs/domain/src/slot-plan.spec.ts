import { groupCapacity, planSlots, slotIntervalMs, type LimitKey } from './slot-plan.js';

const key = (intervalMs: number, nextAt = 0, toleranceMs = 0): LimitKey => ({
  intervalMs,
  nextAt,
  toleranceMs,
});

/** Largest number of times in any half-open window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('planSlots', () => {
  it('spaces one key evenly from the start of the window', () => {
    const plan = planSlots({
      keys: { sender: key(10) },
      groups: [{ id: 'all', keys: ['sender'], waiting: 100 }],
      from: 1000,
      until: 1045,
      max: 100,
    });
    expect(plan.slots.map((s) => s.at)).toEqual([1000, 1010, 1020, 1030, 1040]);
    expect(plan.keys.sender.nextAt).toBe(1050);
  });

  it('never starts before a key is free, and continues where the last plan stopped', () => {
    const plan = planSlots({
      keys: { sender: key(10, 2000) },
      groups: [{ id: 'all', keys: ['sender'], waiting: 3 }],
      from: 1000,
      until: 5000,
      max: 100,
    });
    expect(plan.slots.map((s) => s.at)).toEqual([2000, 2010, 2020]);
  });

  it('gives each message one time that holds on every key it needs', () => {
    // Sender 100/s, country IN 40/s, every message to IN: IN binds, and the sender is not
    // charged for slots it could not use.
    const plan = planSlots({
      keys: { sender: key(10), IN: key(25) },
      groups: [{ id: 'IN', keys: ['sender', 'IN'], waiting: 1000 }],
      from: 0,
      until: 10_000,
      max: 1000,
    });
    const times = plan.slots.map((s) => s.at);
    expect(maxPerSecond(times)).toBe(40);
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(25);
  });

  it('fills the sender with other countries while a slow country waits for its key', () => {
    // Intervals widened by a 20 ms jitter allowance; countries may take the sender's slot up
    // to one sender interval (10.2 ms, within the allowance) before their own time.
    const i = (rate: number) => slotIntervalMs(rate, 20);
    const plan = planSlots({
      keys: { sender: key(i(100)), IN: key(i(40), 0, i(100)), BR: key(i(20), 0, i(100)) },
      groups: [
        { id: 'IN', keys: ['sender', 'IN'], waiting: 10_000 },
        { id: 'BR', keys: ['sender', 'BR'], waiting: 10_000 },
        { id: 'other', keys: ['sender'], waiting: 10_000 },
      ],
      from: 0,
      until: 9_999,
      max: 100_000,
    });
    const at = (g: string) => plan.slots.filter((s) => s.group === g).map((s) => s.at);
    const all = plan.slots.map((s) => s.at);
    // The sender is used at its full (widened) rate; each country gets its whole allowance and
    // no more.
    expect(all.length).toBe(981);
    expect(maxPerSecond(all)).toBeLessThanOrEqual(100);
    expect(maxPerSecond(at('IN'))).toBeLessThanOrEqual(40);
    expect(maxPerSecond(at('BR'))).toBeLessThanOrEqual(20);
    expect(at('BR').length).toBeGreaterThanOrEqual(195);
    expect(at('IN').length).toBeGreaterThanOrEqual(390);
  });

  it('without a tolerance a slow key drifts onto the next sender slot each time', () => {
    const plan = planSlots({
      keys: { sender: key(10), IN: key(25) },
      groups: [
        { id: 'IN', keys: ['sender', 'IN'], waiting: 10_000 },
        { id: 'other', keys: ['sender'], waiting: 10_000 },
      ],
      from: 0,
      until: 9_999,
      max: 100_000,
    });
    // Every 30 ms instead of 25: what the tolerance is for.
    expect(plan.slots.filter((s) => s.group === 'IN').length).toBeLessThanOrEqual(334);
  });

  it('gives slow countries their whole allowance when the sender is much faster', () => {
    const plan = planSlots({
      keys: { sender: key(1), IN: key(25), BR: key(50) },
      groups: [
        { id: 'IN', keys: ['sender', 'IN'], waiting: 10_000 },
        { id: 'BR', keys: ['sender', 'BR'], waiting: 10_000 },
        { id: 'other', keys: ['sender'], waiting: 100_000 },
      ],
      from: 0,
      until: 9_999,
      max: 100_000,
    });
    const count = (g: string) => plan.slots.filter((s) => s.group === g).length;
    expect(plan.slots.length).toBe(10_000);
    expect(count('IN')).toBe(400);
    expect(count('BR')).toBe(200);
  });

  it('stops at the horizon and reports when the next slot could open', () => {
    const plan = planSlots({
      keys: { sender: key(10), KE: key(60_000, 50_000) },
      groups: [{ id: 'KE', keys: ['sender', 'KE'], waiting: 5 }],
      from: 0,
      until: 200,
      max: 10,
    });
    expect(plan.slots).toEqual([]);
    expect(plan.nextPossibleAt).toBe(50_000);
  });

  it('plans nothing for empty groups and respects the overall maximum', () => {
    const plan = planSlots({
      keys: { sender: key(1) },
      groups: [
        { id: 'a', keys: ['sender'], waiting: 0 },
        { id: 'b', keys: ['sender'], waiting: 50 },
      ],
      from: 0,
      until: 1000,
      max: 7,
    });
    expect(plan.slots).toHaveLength(7);
    expect(plan.slots.every((s) => s.group === 'b')).toBe(true);
    expect(plan.nextPossibleAt).toBeNull();
  });

  it('shares a key fairly between campaigns that each reserve a quantum when theirs runs out', () => {
    // Two campaigns on one 100/s sender; each reserves 5 slots (a 50 ms quantum) whenever its
    // last reserved slot is less than 40 ms away. B joins a second after A.
    let keys: Record<string, LimitKey> = { sender: key(10) };
    const tail: Record<string, number> = { a: -Infinity, b: -Infinity };
    const sent: Record<string, number[]> = { a: [], b: [] };
    for (let now = 0; now < 5000; now++) {
      for (const c of ['a', 'b'] as const) {
        if (c === 'b' && now < 1000) continue;
        if (tail[c] - now >= 40) continue;
        const plan = planSlots({
          keys,
          groups: [{ id: c, keys: ['sender'], waiting: 1_000 }],
          from: now + 5,
          until: now + 2000,
          max: 5,
        });
        keys = plan.keys;
        for (const s of plan.slots) sent[c].push(s.at);
        tail[c] = plan.slots.at(-1)?.at ?? tail[c];
      }
    }
    const inWindow = (c: string) => sent[c].filter((t) => t >= 1500 && t < 4500).length;
    // While both run, each gets close to half of the 300 slots in those three seconds.
    expect(inWindow('a')).toBeGreaterThanOrEqual(120);
    expect(inWindow('b')).toBeGreaterThanOrEqual(120);
    expect(maxPerSecond([...sent.a, ...sent.b])).toBeLessThanOrEqual(100);
  });
});

describe('groupCapacity', () => {
  it('is the tightest of the group keys within the window', () => {
    const keys = { sender: key(10), IN: key(25, 100) };
    expect(groupCapacity(keys, ['sender'], 0, 99)).toBe(10);
    expect(groupCapacity(keys, ['sender', 'IN'], 0, 99)).toBe(0);
    expect(groupCapacity(keys, ['sender', 'IN'], 0, 200)).toBe(5);
  });
});

describe('slotIntervalMs', () => {
  it('holds every sliding second when tolerance and lateness together stay within the jitter', () => {
    const rate = 20;
    const jitter = 20;
    const tolerance = 10;
    const late = jitter - tolerance;
    // The country key on a 100/s sender's 10.2 ms grid, sends leaving up to `late` ms late.
    const plan = planSlots({
      keys: {
        sender: key(slotIntervalMs(100, jitter)),
        BR: key(slotIntervalMs(rate, jitter), 0, tolerance),
      },
      groups: [
        { id: 'BR', keys: ['sender', 'BR'], waiting: 100_000 },
        { id: 'other', keys: ['sender'], waiting: 100_000 },
      ],
      from: 0,
      until: 60_000,
      max: 1_000_000,
    });
    const br = plan.slots.filter((s) => s.group === 'BR').map((s, i) => s.at + (i % 3 ? late : 0));
    expect(maxPerSecond(br)).toBeLessThanOrEqual(rate);
    expect(br.length / 60).toBeGreaterThan(rate * 0.97);
  });

  it('keeps every sliding second at the limit when sends leave up to the jitter late', () => {
    const rate = 80;
    const jitter = 20;
    const interval = slotIntervalMs(rate, jitter);
    // Worst case: alternate sends on time and `jitter` late.
    const sends = Array.from({ length: 2000 }, (_, i) => i * interval + (i % 2 ? jitter : 0));
    expect(maxPerSecond(sends)).toBeLessThanOrEqual(rate);
    expect(1000 / interval / rate).toBeGreaterThan(0.97);
  });
});
