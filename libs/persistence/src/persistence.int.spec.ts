import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { testInfrastructure } from '#test/setup/test-settings';
import { ormOptions } from './orm.config.js';
import { AudienceRepository } from './repositories/audience.repository.js';
import { IdentityRepository } from './repositories/identity.repository.js';
import { candidateQuery } from './repositories/claim-candidates.js';
import { CampaignRepository } from './repositories/campaign.repository.js';
import { RecipientRepository } from './repositories/recipient.repository.js';
import {
  countryKey,
  SendQueueRepository,
  senderKey,
  type ClaimSettings,
} from './repositories/send-queue.repository.js';
import { RateLimitRepository, THROTTLE } from './repositories/rate-limit.repository.js';

/** A claim's slot per row id: every outcome names the slot it was reserved for. */
const slotsOf = (rows: { id: number; slotAt: number }[]) => {
  const slots = new Map(rows.map((r) => [r.id, r.slotAt]));
  return (id: number) => slots.get(id)!;
};

describe('persistence against PostgreSQL with the real migrations', () => {
  let orm: MikroORM;
  let campaigns: CampaignRepository;
  let recipients: RecipientRepository;
  let audiences: AudienceRepository;
  let limits: RateLimitRepository;
  let workspace: string;

  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions({ databaseUrl: testInfrastructure().databaseUrl }));
    campaigns = new CampaignRepository(orm.em);
    recipients = new RecipientRepository(orm.em);
    audiences = new AudienceRepository(orm.em);
    limits = new RateLimitRepository(orm.em);
    workspace = await new IdentityRepository(orm.em).createWorkspace('persistence spec');
  });

  afterAll(() => orm?.close());

  const sender = () => String(Math.floor(Math.random() * 1e12));
  const settings: ClaimSettings = {
    leadMs: 0,
    maxAheadMs: 60_000,
    quantumMs: 10_000,
    maxBatch: 100,
    permitAheadMs: 100,
    jitterMs: 0,
  };

  const newCampaign = async (
    phones: string[],
    from = sender(),
    extra: { audienceId?: string } = {},
  ) => {
    const id = randomUUID();
    await campaigns.create(
      {
        id,
        workspaceId: workspace,
        name: 'n',
        templateName: 'tpl',
        templateLanguage: 'en',
        templateParameters: null,
        senderPhoneNumberId: from,
        audienceId: extra.audienceId ?? null,
        contacts: null,
        rejectedRecipients: 0,
        ratePerSecond: null,
      },
      extra.audienceId
        ? null
        : phones.map((phone) => ({
            phone,
            country: phone.startsWith('+91') ? 'IN' : 'GB',
            variables: null,
          })),
    );
    await campaigns.setStatus(id, 'running');
    return { id, sender: from };
  };
  const phones = (n: number, prefix = '+447400') =>
    Array.from({ length: n }, (_, i) => `${prefix}${String(100000 + i).padStart(6, '0')}`);
  const sql = <T>(query: string, params: unknown[] = []) =>
    orm.em.fork().execute<T[]>(query, params);

  it('the migrations create exactly the schema the entities describe', async () => {
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  });

  it('keeps exact counts by status and country through every statement, with a growing version', async () => {
    const { id } = await newCampaign([...phones(3), ...phones(2, '+9198765')]);
    const first = await campaigns.snapshot(id);
    expect(first.counts).toMatchObject({ pending: 5, sent: 0 });
    expect(first.byCountry).toEqual({ GB: { pending: 3 }, IN: { pending: 2 } });
    await sql(`update recipients set status = 'sent' where campaign_id = ? and country = 'IN'`, [
      id,
    ]);
    const second = await campaigns.snapshot(id);
    expect(second.counts).toMatchObject({ pending: 3, sent: 2 });
    expect(second.version).toBeGreaterThan(first.version);
    // A statement that moves no status leaves the version alone.
    await sql(`update recipients set error_message = 'x' where campaign_id = ?`, [id]);
    expect((await campaigns.snapshot(id)).version).toBe(second.version);
  });

  describe('the send queue', () => {
    let queue: SendQueueRepository;
    beforeEach(() => {
      queue = new SendQueueRepository(orm.em);
    });

    it('reserves evenly spaced slots, claims the rows for them and moves the key on', async () => {
      const { id, sender: from } = await newCampaign(phones(5));
      await limits.ensure(senderKey(from), 10);
      await queue.takeLease(id, 'lease-1');
      const result = await queue.claim(id, 'lease-1', from, settings);
      expect(result.kind).toBe('claimed');
      if (result.kind !== 'claimed') return;
      const slots = result.rows.map((r) => r.slotAt);
      expect(slots).toHaveLength(5);
      for (let i = 1; i < 5; i++) expect(slots[i] - slots[i - 1]).toBeCloseTo(100, 6);
      const [key] = await sql<{ next_at: number }>(
        `select next_at from rate_limits where key = ?`,
        [senderKey(from)],
      );
      expect(key.next_at).toBeCloseTo(slots[4] + 100, 6);
      expect((await campaigns.snapshot(id)).counts).toMatchObject({ pending: 0, sending: 5 });
      expect(await queue.claim(id, 'lease-1', from, settings)).toEqual({ kind: 'empty' });
    });

    it('gives a message one time that holds on the sender and its country at once', async () => {
      const { id, sender: from } = await newCampaign([...phones(20), ...phones(5, '+9198765')]);
      await limits.ensure(senderKey(from), 100);
      await limits.set(countryKey(workspace, 'IN'), 4);
      await sql(`update campaigns set countries = '{GB,IN}' where id = ?`, [id]);
      await queue.takeLease(id, 'l');
      const result = await queue.claim(id, 'l', from, { ...settings, maxAheadMs: 1_500 });
      await limits.remove(countryKey(workspace, 'IN'));
      if (result.kind !== 'claimed') throw new Error(result.kind);
      const india = result.rows.filter((r) => r.country === 'IN').map((r) => r.slotAt);
      const all = result.rows.map((r) => r.slotAt).sort((a, b) => a - b);
      for (let i = 1; i < india.length; i++)
        expect(india[i] - india[i - 1]).toBeGreaterThanOrEqual(250 - 1e-6);
      for (let i = 1; i < all.length; i++)
        expect(all[i] - all[i - 1]).toBeGreaterThanOrEqual(10 - 1e-6);
      // The sender is not held back by India: the other rows fill its slots.
      expect(result.rows.filter((r) => r.country === 'GB')).toHaveLength(20);
      expect(india.length).toBeGreaterThanOrEqual(5);
    });

    it('never books one sender slot twice for campaigns reserving at the same moment', async () => {
      const from = sender();
      await limits.ensure(senderKey(from), 50);
      const a = await newCampaign(phones(40), from);
      const b = await newCampaign(phones(40), from);
      await queue.takeLease(a.id, 'a');
      await queue.takeLease(b.id, 'b');
      const quantum = { ...settings, quantumMs: 100 };
      const rounds = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2
            ? queue.claim(a.id, 'a', from, quantum)
            : new SendQueueRepository(orm.em).claim(b.id, 'b', from, quantum),
        ),
      );
      const slots = rounds
        .flatMap((r) => (r.kind === 'claimed' ? r.rows.map((x) => x.slotAt) : []))
        .sort((x, y) => x - y);
      expect(slots.length).toBeGreaterThanOrEqual(16);
      for (let i = 1; i < slots.length; i++)
        expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(20 - 1e-6);
    });

    it('waits instead of reserving when the next slot is beyond the horizon', async () => {
      const { id, sender: from } = await newCampaign(phones(2));
      await limits.ensure(senderKey(from), 1);
      await sql(
        `update rate_limits set next_at = extract(epoch from now()) * 1000 + 30000 where key = ?`,
        [senderKey(from)],
      );
      await queue.takeLease(id, 'l');
      const result = await queue.claim(id, 'l', from, { ...settings, maxAheadMs: 2_000 });
      expect(result.kind).toBe('wait');
      if (result.kind === 'wait') expect(result.until - result.dbNow).toBeGreaterThan(25_000);
    });

    it('slows a sender the provider throttled, for a while, in proportion', async () => {
      const { id, sender: from } = await newCampaign(phones(3));
      await limits.ensure(senderKey(from), 100);
      await limits.throttle(senderKey(from), 20, 100);
      await orm.em
        .fork()
        .execute(`insert into senders (phone_number_id, workspace_id) values (?, ?)`, [
          from,
          workspace,
        ]);
      const [view] = (await limits.list(workspace)).filter((l) => l.key === senderKey(from));
      expect(view.effectiveRatePerSecond).toBeCloseTo(60);
      expect(view.throttleEvents).toBe(20);
      expect(view.throttledUntil!.getTime()).toBeGreaterThan(Date.now() + 5_000);
      await queue.takeLease(id, 'l');
      const result = await queue.claim(id, 'l', from, settings);
      if (result.kind !== 'claimed') throw new Error(result.kind);
      expect(result.rows[1].slotAt - result.rows[0].slotAt).toBeCloseTo(1000 / 60, 2);
    });

    it('does not compound stray refusals, and takes a deeper cut when one is asked for', async () => {
      const key = senderKey(`stray-${Date.now()}`);
      await limits.ensure(key, 1000);
      const factor = async () => {
        const [row] = await orm.em
          .fork()
          .execute<{ throttle_factor: number }[]>(
            `select throttle_factor from rate_limits where key = ?`,
            [key],
          );
        return Number(row.throttle_factor);
      };
      for (let i = 0; i < 5; i++) await limits.throttle(key, 1, 1000);
      expect(await factor()).toBeCloseTo(1 - THROTTLE.minCut);
      await limits.throttle(key, 100, 1000);
      expect(await factor()).toBeCloseTo(0.8);
      await limits.throttle(key, 1, 1000);
      expect(await factor()).toBeCloseTo(0.8);
    });

    it('stops on a halted sender and on a lost lease', async () => {
      const { id, sender: from } = await newCampaign(phones(2));
      await limits.ensure(senderKey(from), 10);
      await queue.takeLease(id, 'old');
      await queue.takeLease(id, 'new');
      expect(await queue.claim(id, 'old', from, settings)).toEqual({ kind: 'lost' });
      expect(await queue.extendPermit(id, 'old', Date.now())).toBe(false);
      await limits.halt(senderKey(from), 'token expired');
      expect(await queue.claim(id, 'new', from, settings)).toEqual({
        kind: 'halted',
        reason: 'token expired',
      });
      expect(await limits.clearHalt(senderKey(from))).toBe(true);
    });

    it('settles an interrupted attempt: rows past its permit go back, the others become unknown', async () => {
      const { id, sender: from } = await newCampaign(phones(6));
      await limits.ensure(senderKey(from), 10);
      await queue.takeLease(id, 'crashed');
      const result = await queue.claim(id, 'crashed', from, { ...settings, permitAheadMs: 0 });
      if (result.kind !== 'claimed') throw new Error(result.kind);
      // The crashed attempt was allowed to send the first two slots only.
      await queue.extendPermit(id, 'crashed', result.rows[1].slotAt);
      expect(await queue.takeLease(id, 'next')).toEqual({ toPending: 4, toUnknown: 2 });
      const rows = await sql<{ status: string; attempts: number; unknown_since: Date | null }>(
        `select status, attempts, unknown_since from recipients where campaign_id = ? order by id`,
        [id],
      );
      expect(rows.map((r) => r.status)).toEqual([
        'unknown',
        'unknown',
        'pending',
        'pending',
        'pending',
        'pending',
      ]);
      expect(rows.map((r) => r.attempts)).toEqual([1, 1, 0, 0, 0, 0]);
      expect(rows[0].unknown_since).not.toBeNull();
      // The rows put back are claimed again at once.
      const again = await queue.claim(id, 'next', from, settings);
      expect(again.kind === 'claimed' && again.rows.length).toBe(4);
    });

    it('records a batch of outcomes in one statement, keeping what a webhook already said', async () => {
      const { id, sender: from } = await newCampaign(phones(6));
      await limits.ensure(senderKey(from), 1000);
      await queue.takeLease(id, 'l');
      const result = await queue.claim(id, 'l', from, settings);
      if (result.kind !== 'claimed') throw new Error(result.kind);
      const [a, b, c, d, e, f] = result.rows.map((r) => r.id);
      const slot = slotsOf(result.rows);
      // A delivery status that overtakes the send's own record.
      await recipients.applyStatusEvents(workspace, [
        { recipientId: b, wamid: 'wamid.b', status: 'delivered', at: new Date() },
      ]);
      await queue.record([
        { id: a, slot: slot(a), kind: 'sent', wamid: 'wamid.a' },
        { id: b, slot: slot(b), kind: 'sent', wamid: 'wamid.b' },
        {
          id: c,
          slot: slot(c),
          kind: 'retry',
          delayMs: 60_000,
          refund: true,
          code: 130429,
          message: 'throttled',
        },
        {
          id: d,
          slot: slot(d),
          kind: 'failed',
          cls: 'permanent',
          code: 131026,
          message: 'undeliverable',
        },
        { id: e, slot: slot(e), kind: 'unknown', message: 'timed out' },
        { id: f, slot: slot(f), kind: 'release' },
      ]);
      const rows = await sql<{
        id: string;
        status: string;
        wamid: string | null;
        attempts: number;
        error_class: string | null;
      }>(
        `select id::text, status, wamid, attempts, error_class from recipients where campaign_id = ? order by id`,
        [id],
      );
      expect(rows.map((r) => [r.status, r.wamid, r.attempts, r.error_class])).toEqual([
        ['sent', 'wamid.a', 1, null],
        ['delivered', 'wamid.b', 1, null],
        ['pending', null, 0, null],
        ['failed', null, 1, 'permanent'],
        ['unknown', null, 1, null],
        ['pending', null, 0, null],
      ]);
      // The released row is due at once; the throttled one waits for its retry time.
      const next = await queue.claim(id, 'l', from, settings);
      expect(next.kind === 'claimed' && next.rows.map((r) => r.id)).toEqual([f]);
      const idle = await queue.claim(id, 'l', from, settings);
      expect(idle.kind).toBe('wait');
    });

    it('never lets an attempt that stalled write over the rows a newer attempt claimed', async () => {
      const { id, sender: from } = await newCampaign(phones(8));
      await limits.ensure(senderKey(from), 1000);
      await queue.takeLease(id, 'stale');
      const old = await queue.claim(id, 'stale', from, settings);
      if (old.kind !== 'claimed') throw new Error(old.kind);
      // The stale attempt dispatched nothing before it stalled; its permit covered the first
      // slots only, so the newer attempt settles those as unknown and claims the rest again.
      const permit = old.rows[2].slotAt;
      await sql(`update campaigns set dispatch_permit = ? where id = ?`, [permit, id]);
      const settled = await queue.takeLease(id, 'new');
      expect(settled).toEqual({ toPending: 5, toUnknown: 3 });
      const fresh = await queue.claim(id, 'new', from, settings);
      if (fresh.kind !== 'claimed') throw new Error(fresh.kind);
      expect(fresh.rows).toHaveLength(5);
      // The stale attempt wakes up and hands back every row it still held, never dispatched.
      await queue.record(old.rows.map((r) => ({ id: r.id, slot: r.slotAt, kind: 'release' })));
      const rows = await sql<{ id: string; status: string }>(
        `select id::text, status from recipients where campaign_id = ? order by id`,
        [id],
      );
      const byId = new Map(rows.map((r) => [Number(r.id), r.status]));
      // Rows the newer attempt holds stay with it…
      for (const r of fresh.rows) expect(byId.get(r.id)).toBe('sending');
      // …and the ones settled as unknown, which the stale attempt knows it never sent, are
      // pending again at once instead of waiting out the unknown window.
      for (const r of old.rows.slice(0, 3)) expect(byId.get(r.id)).toBe('pending');
    });

    it('reads as few index entries near the end of a campaign as at its start', async () => {
      const from = sender();
      await limits.ensure(senderKey(from), 1_000_000);
      const { id } = await newCampaign(phones(20_000), from);
      await queue.takeLease(id, 'l');
      const big = { ...settings, quantumMs: 1_000, maxBatch: 500 };
      let claimed = 0;
      let last = 0;
      while (claimed < 19_800) {
        const r = await queue.claim(id, 'l', from, big);
        if (r.kind !== 'claimed') throw new Error(r.kind);
        claimed += r.rows.length;
        last = Math.max(last, ...r.rows.map((x) => x.id));
        await queue.record(
          r.rows.map((x) => ({ id: x.id, slot: x.slotAt, kind: 'sent', wamid: `w${x.id}` })),
        );
      }
      // 99% through the campaign, with the cursor a claim keeps: a handful of pages, as at the
      // start of a fresh campaign. Walking from the first id instead reads every finished row's
      // index entry on the way.
      const fresh = await newCampaign(phones(20_000, '+447401'), from);
      const atStart = await pagesRead(fresh.id, 0);
      const nearEnd = await pagesRead(id, last);
      const withoutCursor = await pagesRead(id, 0);
      expect(nearEnd).toBeLessThanOrEqual(atStart * 2 + 5);
      expect(withoutCursor).toBeGreaterThan(nearEnd * 5);
    });

    /** Pages one claim's candidate query reads from a campaign, walking from id `after`. */
    async function pagesRead(campaignId: string, after: number): Promise<number> {
      const q = candidateQuery({
        campaignId,
        retries: 100,
        countries: [],
        others: { n: 100, after },
      });
      let n = 0;
      const sql = q.sql.replace(/\?/g, () => `$${++n}`);
      const db = new pg.Client({ connectionString: testInfrastructure().databaseUrl });
      await db.connect();
      try {
        // The pages of the index walk itself: other suites share the table, and a plan chosen
        // from statistics they just changed (a bitmap or sequential scan) would measure them.
        await db.query('set enable_seqscan = off');
        await db.query('set enable_bitmapscan = off');
        const res = await db.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(
          `explain (analyze, buffers, format json) ${sql}`,
          q.params,
        );
        const plan = res.rows[0]['QUERY PLAN'][0].Plan;
        return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
      } finally {
        await db.end();
      }
    }

    it('fails unknown rows after the window as unknown_outcome, and retry-failed re-queues them', async () => {
      const { id, sender: from } = await newCampaign(phones(3));
      await limits.ensure(senderKey(from), 1000);
      await queue.takeLease(id, 'l');
      const claimed = await queue.claim(id, 'l', from, settings);
      if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
      const [a, b, c] = claimed.rows.map((r) => r.id);
      const slot = slotsOf(claimed.rows);
      await queue.record([
        { id: a, slot: slot(a), kind: 'unknown', message: 'timed out' },
        {
          id: b,
          slot: slot(b),
          kind: 'failed',
          cls: 'transient',
          code: 131000,
          message: 'provider error',
        },
        {
          id: c,
          slot: slot(c),
          kind: 'failed',
          cls: 'permanent',
          code: 131026,
          message: 'undeliverable',
        },
      ]);
      const pending = await campaigns.expireUnknown(id, 60_000);
      expect(pending.nextExpiryAt).toBeGreaterThan(Date.now() + 50_000);
      expect((await campaigns.snapshot(id)).counts.unknown).toBe(1);
      await campaigns.expireUnknown(id, 0);
      expect((await campaigns.snapshot(id)).counts).toMatchObject({ unknown: 0, failed: 3 });
      expect(await campaigns.requeueFailed(id)).toBe(2);
      expect((await campaigns.snapshot(id)).counts).toMatchObject({ pending: 2, failed: 1 });
    });
  });

  it('freezes an uploaded audience once, skipping members whose variables do not fit', async () => {
    const audienceId = randomUUID();
    await audiences.create(audienceId, workspace, 'upload');
    const members = phones(4).map((phone, i) => ({
      phone,
      country: 'GB',
      variables: i === 3 ? ['only one'] : ['Ann', '10%'],
    }));
    expect(await audiences.append(audienceId, members)).toBe(4);
    expect(await audiences.append(audienceId, members.slice(0, 2))).toBe(0);
    await audiences.finish(audienceId, 'ready', { members: 4, duplicates: 2, rejected: 0 });
    const { id } = await newCampaign([], sender(), { audienceId });
    await sql(`update campaigns set template_parameters = 2 where id = ?`, [id]);
    await campaigns.freezeAudience(id);
    await campaigns.freezeAudience(id);
    const counts = (await campaigns.snapshot(id)).counts;
    expect(counts).toMatchObject({ pending: 3, skipped: 1 });
    expect((await campaigns.findById(id))?.countries).toEqual(['GB']);
    expect((await campaigns.findById(id))?.totalRecipients).toBe(4);
  });

  it('applies webhook statuses idempotently and never backwards', async () => {
    const { id } = await newCampaign(phones(2));
    const [a, b] = await sql<{ id: string }>(
      `select id from recipients where campaign_id = ? order by id`,
      [id],
    );
    await sql(
      `update recipients set status = 'sent', wamid = 'wamid.' || id where campaign_id = ?`,
      [id],
    );
    const at = new Date();
    const read = { recipientId: Number(a.id), wamid: `wamid.${a.id}`, status: 'read' as const, at };
    const delivered = { ...read, status: 'delivered' as const };
    const first = await recipients.applyStatusEvents(workspace, [delivered, read, read]);
    expect(first.map((c) => [c.id, c.status])).toEqual([[Number(a.id), 'read']]);
    expect(await recipients.applyStatusEvents(workspace, [read, delivered])).toEqual([]);
    // A status naming another workspace's recipient changes nothing.
    const other = await new IdentityRepository(orm.em).createWorkspace('another');
    const forged = { ...read, recipientId: Number(b.id), wamid: `wamid.${b.id}` };
    expect(await recipients.applyStatusEvents(other, [forged])).toEqual([]);
    const byWamid = await recipients.applyStatusEvents(workspace, [
      {
        recipientId: null,
        wamid: `wamid.${b.id}`,
        status: 'failed',
        at,
        errorCode: 131026,
        errorMessage: 'x',
      },
    ]);
    expect(byWamid).toEqual([
      expect.objectContaining({ id: Number(b.id), status: 'failed', errorCode: 131026 }),
    ]);
    expect((await campaigns.snapshot(id)).counts).toMatchObject({ read: 1, failed: 1, sent: 0 });
  });

  it('keeps one active admin when two demotions race', async () => {
    const identity = new IdentityRepository(orm.em);
    // Several rounds: a count-then-update lets both through in most of them.
    for (let round = 0; round < 8; round++) {
      const ws = await identity.createWorkspace(`admins race ${round}`);
      const [a, b] = await Promise.all(
        ['a', 'b'].map((n) =>
          identity.createUser(ws, `${n}-${round}-${randomUUID()}@example.com`, 'x', 'admin'),
        ),
      );
      const results = await Promise.all([
        identity.updateUser(ws, a.id, { role: 'viewer' }),
        identity.updateUser(ws, b.id, { disabled: true }),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(['last_admin', 'updated']);
      const admins = (await identity.usersOf(ws)).filter(
        (u) => u.role === 'admin' && u.disabledAt === null,
      );
      expect(admins).toHaveLength(1);
    }
  });
});
