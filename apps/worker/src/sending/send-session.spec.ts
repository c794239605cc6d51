import { planSlots } from '#libs/domain';
import type { ClaimedRecipient, ClaimResult, SendOutcome } from '#libs/persistence';
import { WhatsAppApiError } from '#libs/whatsapp';
import { SendSession, type SendSessionDeps, type SendSettings } from './send-session.js';

const settings: SendSettings = {
  leadMs: 5,
  maxAheadMs: 2_000,
  quantumMs: 50,
  maxBatch: 500,
  permitAheadMs: 60,
  jitterMs: 20,
  refillAheadMs: 40,
  idleReturnMs: 1_000,
  maxInFlight: 64,
  flushEveryMs: 20,
  flushBatch: 100,
  budgetMs: 60_000,
  parameterBreaker: 5,
  maxAttempts: 3,
  throttledRetryMs: 1_000,
};

/** An in-memory limiter and queue: one sender key at `rate`, the database clock = this one. */
function fakeQueue(total: number, rate: number) {
  let nextId = 1;
  let nextAt = 0;
  const intervalMs = 1000 / rate;
  const outcomes: SendOutcome[] = [];
  const claims: number[] = [];
  let pending = total;
  // Rows handed back keep their id, as in PostgreSQL: a row sent and then handed back would be
  // claimed and sent again under the same id, which is what a test counting per row must see.
  const returned: number[] = [];
  const queue: SendSessionDeps['queue'] = {
    async claim(): Promise<ClaimResult> {
      const now = Date.now();
      if (pending === 0) return { kind: 'empty' };
      const quantum = Math.max(1, Math.floor(settings.quantumMs / intervalMs));
      const plan = planSlots({
        keys: { s: { intervalMs, nextAt } },
        groups: [{ id: 'all', keys: ['s'], waiting: pending }],
        from: now + settings.leadMs,
        until: now + settings.maxAheadMs,
        max: quantum,
      });
      nextAt = plan.keys.s.nextAt;
      pending -= plan.slots.length;
      claims.push(plan.slots.length);
      const rows: ClaimedRecipient[] = plan.slots.map((slot) => ({
        id: returned.shift() ?? nextId++,
        phone: '+447400100000',
        country: 'GB',
        variables: null,
        templateName: null,
        templateLanguage: null,
        text: null,
        attempts: 1,
        slotAt: slot.at,
        maxLateMs: 20,
      }));
      return { kind: 'claimed', rows, dbNow: now, permit: now + settings.permitAheadMs };
    },
    extendPermit: async () => true,
    async record(batch) {
      outcomes.push(...batch);
      // A row handed back (its slot was missed on a busy machine) is pending again, as in
      // PostgreSQL, and gets a new slot.
      const released = batch.filter((o) => o.kind === 'release');
      pending += released.length;
      for (const o of released) returned.push(o.id);
    },
    dbNow: async () => Date.now(),
  };
  return { queue, outcomes, claims };
}

function session(
  queue: SendSessionDeps['queue'],
  send: SendSessionDeps['send'],
  overrides: Partial<SendSettings> = {},
) {
  const throttled: number[] = [];
  const halts: string[] = [];
  const s = new SendSession({
    queue,
    rateLimits: {
      throttle: async (_key, refused) => {
        throttled.push(refused);
      },
      halt: async (_key, reason) => {
        halts.push(reason);
      },
    },
    send,
    campaignId: 'c',
    lease: 'l',
    sender: '1',
    senderKey: 'sender:1',
    settings: { ...settings, ...overrides },
    log: () => undefined,
  });
  return { s, throttled, halts };
}

describe('SendSession', () => {
  it('sends every row once, never before its slot, and records them all', async () => {
    const { queue, outcomes } = fakeQueue(60, 200);
    // Every provider call, in order: a row sent twice shows up twice here.
    const sends: { id: number; at: number; slot: number }[] = [];
    const { s } = session(queue, async (row) => {
      sends.push({ id: row.id, at: Date.now(), slot: row.slotAt });
      return { wamid: `w${row.id}` };
    });
    const result = await s.run(new AbortController().signal);
    expect(result.stop).toBe('done');
    // Sends per row: each of the 60 rows exactly once, whatever was handed back on the way.
    const perRow = (list: number[]) => {
      const counts = new Map<number, number>();
      for (const id of list) counts.set(id, (counts.get(id) ?? 0) + 1);
      return Object.fromEntries([...counts].sort(([a], [b]) => a - b));
    };
    const once = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [i + 1, 1]));
    expect(perRow(sends.map((x) => x.id))).toEqual(once);
    for (const { at, slot } of sends) expect(at).toBeGreaterThanOrEqual(Math.floor(slot));
    expect(perRow(outcomes.filter((o) => o.kind === 'sent').map((o) => o.id))).toEqual(once);
  });

  it('stops between two sends when cancelled and hands the reserved rows back', async () => {
    const { queue, outcomes } = fakeQueue(1_000, 100);
    const controller = new AbortController();
    let sends = 0;
    const { s } = session(queue, async () => {
      sends += 1;
      if (sends === 5) controller.abort();
      return { wamid: 'w' };
    });
    const result = await s.run(controller.signal);
    expect(result.stop).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    expect(sends).toBe(5);
    expect(outcomes.filter((o) => o.kind === 'sent')).toHaveLength(5);
    expect(outcomes.filter((o) => o.kind === 'release').length).toBeGreaterThan(0);
  });

  it('reserves a missed slot again instead of sending it late', async () => {
    let claimed = false;
    const outcomes: SendOutcome[] = [];
    const late: SendSessionDeps['queue'] = {
      async claim() {
        if (claimed) return { kind: 'empty' };
        claimed = true;
        const now = Date.now();
        const row = (id: number, slotAt: number) => ({
          id,
          phone: '+447400100000',
          country: 'GB',
          variables: null,
          templateName: null,
          templateLanguage: null,
          text: null,
          attempts: 1,
          slotAt,
          maxLateMs: 20,
        });
        return {
          kind: 'claimed',
          rows: [row(1, now - 500), row(2, now + 10)],
          dbNow: now,
          permit: now + 60,
        };
      },
      extendPermit: async () => true,
      record: async (batch) => {
        outcomes.push(...batch);
      },
      dbNow: async () => Date.now(),
    };
    const sent: number[] = [];
    const { s } = session(late, async (row) => {
      sent.push(row.id);
      return { wamid: 'w' };
    });
    const result = await s.run(new AbortController().signal);
    expect(sent).toEqual([2]);
    expect(result.stats.late).toBe(1);
    expect(outcomes).toContainEqual(expect.objectContaining({ id: 1, kind: 'release' }));
  });

  it('stops at once on a campaign-fatal answer and gives every unsent row back', async () => {
    const { queue, outcomes } = fakeQueue(200, 500);
    const { s } = session(queue, async (row) => {
      if (row.id === 3) throw new WhatsAppApiError(400, 132016, 'template disabled');
      return { wamid: 'w' };
    });
    const result = await s.run(new AbortController().signal);
    expect(result.stop).toBe('fatal');
    expect(result.fatal).toMatchObject({ action: 'pause', code: 132016 });
    expect(outcomes).toContainEqual(expect.objectContaining({ id: 3, kind: 'release' }));
    expect(outcomes.filter((o) => o.kind === 'sent').length).toBeLessThan(200);
  });

  it('halts the sender when the provider refuses the account', async () => {
    const { queue } = fakeQueue(20, 500);
    const { s, halts } = session(queue, async () => {
      throw new WhatsAppApiError(401, 190, 'token expired');
    });
    const result = await s.run(new AbortController().signal);
    expect(result.fatal?.action).toBe('halt');
    expect(halts).toHaveLength(1);
  });

  it('reports throttling to the limiter and never spends an attempt on it', async () => {
    const { queue, outcomes } = fakeQueue(10, 500);
    const { s, throttled } = session(queue, async () => {
      throw new WhatsAppApiError(400, 130429, 'throughput reached');
    });
    const result = await s.run(new AbortController().signal);
    expect(result.stats.throttled).toBe(10);
    expect(throttled.reduce((a, b) => a + b, 0)).toBe(10);
    // A slot missed on a busy machine hands its row back (`release`) for a new one; every
    // answered send is a retry with its attempt given back.
    const answered = outcomes.filter((o) => o.kind !== 'release');
    expect(answered).toHaveLength(10);
    expect(answered.every((o) => o.kind === 'retry' && o.refund)).toBe(true);
  });

  it('fails the campaign when many recipients in a row get their parameters refused', async () => {
    const { queue, outcomes } = fakeQueue(50, 500);
    const { s } = session(queue, async () => {
      throw new WhatsAppApiError(400, 132000, 'number of parameters does not match');
    });
    const result = await s.run(new AbortController().signal);
    expect(result.fatal).toMatchObject({ action: 'fail', code: 132000 });
    expect(outcomes.filter((o) => o.kind === 'failed').length).toBeGreaterThanOrEqual(5);
    expect(outcomes.filter((o) => o.kind === 'failed').length).toBeLessThan(50);
  });

  it('goes back to the workflow when the next slot is far away', async () => {
    const queue: SendSessionDeps['queue'] = {
      claim: async () => ({ kind: 'wait', until: Date.now() + 60_000, dbNow: Date.now() }),
      extendPermit: async () => true,
      record: async () => undefined,
      dbNow: async () => Date.now(),
    };
    const { s } = session(queue, async () => ({ wamid: 'w' }));
    const result = await s.run(new AbortController().signal);
    expect(result.stop).toBe('wait');
    expect(result.resumeAt).toBeGreaterThan(Date.now() + 50_000);
  });

  it('stops sending when it has lost the lease', async () => {
    const { queue } = fakeQueue(1_000, 100);
    let sends = 0;
    const { s } = session(
      { ...queue, extendPermit: async () => false },
      async () => {
        sends += 1;
        return { wamid: 'w' };
      },
      { permitAheadMs: 30 },
    );
    const result = await s.run(new AbortController().signal);
    expect(result.stop).toBe('lost');
    expect(sends).toBeLessThan(20);
  });

  it('hands back to the workflow when its time budget is spent', async () => {
    const { queue, outcomes } = fakeQueue(10_000, 100);
    const { s } = session(queue, async () => ({ wamid: 'w' }), { budgetMs: 300 });
    const result = await s.run(new AbortController().signal);
    expect(result.stop).toBe('budget');
    const sent = outcomes.filter((o) => o.kind === 'sent').length;
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(200);
  });
});
