import { Readable } from 'node:stream';
import pg from 'pg';
import { apiClient, type CampaignView } from './support/api-client.js';
import {
  eventually,
  ownInfrastructure,
  startEngine,
  testNumbers,
  type Engine,
  type Infrastructure,
} from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

const TOTAL = 5_000;
/** The sandbox's status delays (sent, delivered, read) after a message is accepted. */
const STATUS_DELAYS_MS = { sent: 10_000, delivered: 10_100, read: 10_200, failed: 10_000 };
const RANK = { sent: 2, delivered: 3, read: 4, failed: 5 } as const;

/**
 * Durability under faults: a 5,000-recipient campaign whose provider loses 1% of its answers
 * after accepting the message, while the worker is killed outright three times, PostgreSQL
 * restarts once (fast shutdown), the API is killed outright once while status webhooks pour in,
 * and the Temporal server restarts once. Counted from the sandbox's record: every number
 * received exactly one message, none is lost, the engine marked unknown exactly the sends whose
 * answers were lost, and every status webhook the engine answered with 200 is in its recipients.
 * The test runs on a PostgreSQL and a Temporal server of its own, so its restarts reach no other
 * test file; on the real Temporal server, the PostgreSQL restart reaches Temporal too.
 */
describe.each(['dev', 'real'] as const)(
  'a campaign through worker, API, PostgreSQL and Temporal restarts (%s Temporal server)',
  (temporal) => {
    let infra: Infrastructure;
    let engine: Engine;
    let db: pg.Client | undefined;

    beforeAll(async () => {
      infra = await ownInfrastructure(temporal);
      engine = await startEngine(
        {
          // Statuses come after the request timeout and after a crashed attempt is taken over (a
          // 5 s heartbeat timeout), so every lost answer is first seen as unknown; the unknown
          // window outlasts them, so only rows that never went out fail as unknown_outcome.
          sandbox: {
            SANDBOX_STATUS_DELAYS_MS: [
              STATUS_DELAYS_MS.sent,
              STATUS_DELAYS_MS.delivered,
              STATUS_DELAYS_MS.read,
            ].join(','),
            SANDBOX_THROUGHPUT_PER_SECOND: '250',
          },
          worker: { WHATSAPP_REQUEST_TIMEOUT_MS: '1500' },
          api: { CAMPAIGN_UNKNOWN_WINDOW_MS: '15000' },
        },
        temporal,
        infra,
      );
    });

    afterAll(async () => {
      await db?.end();
      await engine?.stop();
      await infra?.stop();
    });

    it('ends with every recipient final, none lost, none sent twice, no taken status missing', async () => {
      const api = apiClient(engine.apiUrl, await engine.login());
      await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 250 });
      const numbers = testNumbers(TOTAL, 20_000);
      // 1% of the audience: accepted by the provider, the answer never comes back.
      const lostAnswers = numbers.filter((_, i) => i % 100 === 42);
      await engine.sandbox('/sandbox/config', {
        method: 'PUT',
        body: {
          faults: [
            {
              kind: 'timeoutAfterAccept',
              numbers: lostAnswers.map((n) => n.slice(1)),
              hangMs: 10_000,
            },
          ],
        },
      });
      const upload = await fetch(`${engine.apiUrl}/v1/audiences?name=fault`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await engine.login()}`,
          'content-type': 'application/x-ndjson',
        },
        body: Readable.toWeb(Readable.from(numbers.map((phone) => `{"phone":"${phone}"}\n`))),
        duplex: 'half',
      });
      const { id: audienceId } = (await upload.json()) as { id: string };
      await api.template('spring_sale');
      const launch = await api.call('POST', '/v1/campaigns', {
        name: 'fault',
        template: { name: 'spring_sale', language: 'en_US' },
        audienceId,
      });
      expect(launch.status).toBe(201);
      const { id } = launch.body as { id: string };

      const accepted = async () =>
        (await engine.sandbox<{ accepted: number }>('/sandbox/stats')).accepted;
      const after = (n: number) =>
        eventually(async () => ((await accepted()) >= n ? true : undefined), {
          timeoutMs: 120_000,
        });
      const webhookEvents = async () =>
        (await engine.sandbox<{ webhooks: { events: number } }>('/sandbox/stats')).webhooks.events;
      const events: string[] = [];
      /** When each worker kill happened. */
      const kills: number[] = [];
      for (const [at, fault] of [
        [700, 'kill'],
        [1_200, 'database'],
        [1_700, 'kill'],
        [2_200, 'api'],
        [2_700, 'restart'],
        [3_500, 'kill'],
      ] as const) {
        await after(at);
        const started = Date.now();
        if (fault === 'kill') {
          kills.push(Date.now());
          await engine.crashWorker();
          await engine.startWorker();
        } else if (fault === 'database') {
          const running = engine.processes();
          await infra.restartDatabase();
          // Sending goes on, and no process of the engine died or was replaced on the way.
          await after((await accepted()) + 250);
          expect(engine.processes()).toEqual(running);
        } else if (fault === 'api') {
          // While statuses pour in: the engine has taken hundreds already, more are due each second.
          await eventually(async () => ((await webhookEvents()) >= 1_000 ? true : undefined), {
            timeoutMs: 120_000,
          });
          await engine.crashApi();
          await engine.startApi();
        } else {
          await infra.restartTemporal();
        }
        events.push(`${fault} at ${await accepted()} (${Date.now() - started} ms)`);
      }

      const final = () =>
        eventually<CampaignView>(
          async () => {
            const c = await api.campaign(id);
            return c.status === 'completed' ? c : undefined;
          },
          { timeoutMs: 240_000, intervalMs: 1_000 },
        );
      let done = await final();
      // Reserved rows a crashed worker never sent stay unknown until the window, then fail as
      // unknown_outcome; retrying them is the operator's call, and sends them once.
      const interrupted = done.counts.failed;
      if (interrupted > 0) {
        const retry = await api.call('POST', `/v1/campaigns/${id}/retry-failed`);
        expect(retry.body).toMatchObject({ requeued: interrupted });
        done = await eventually<CampaignView>(
          async () => {
            const c = await api.campaign(id);
            return c.status === 'completed' && c.counts.failed === 0 ? c : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 1_000 },
        );
      }

      // Every status webhook has been answered (none is given up on within the test's time).
      const webhooks = await eventually(
        async () => {
          const w = (
            await engine.sandbox<{
              webhooks: { pending: number; dropped: number; failedAttempts: number };
            }>('/sandbox/stats')
          ).webhooks;
          return w.pending === 0 ? w : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
      db = new pg.Client({ connectionString: engine.databaseUrl });
      await db.connect();
      const missing = await statusesMissing(id, log);
      const distinct = new Set(log.messages.map((m) => m.to));
      const reasons = await unknownReasons(id);
      const timedOut = [...reasons].filter(([, r]) => r === 'timed out').map(([p]) => p);
      const interruptedRows = [...reasons].filter(([, r]) => r === 'interrupted').map(([p]) => p);
      process.stderr.write(
        `[fault] ${events.join(', ')}; accepted ${log.count}, distinct ${distinct.size}; ` +
          `answers lost ${lostAnswers.length}, marked unknown on timeout ${timedOut.length}, ` +
          `settled by their status while the crashed attempt's lease ran out ${lostAnswers.filter((p) => !reasons.has(p)).length}; ` +
          `rows a crashed attempt may have sent, settled by their status ${interruptedRows.length}; ` +
          `rows it had reserved but never sent, failed as unknown_outcome and retried ${interrupted}; ` +
          `webhook attempts not answered 200 ${webhooks.failedAttempts}, dropped ${webhooks.dropped}, ` +
          `statuses answered 200 ${log.messages.reduce((n, m) => n + m.acknowledged.length, 0)}, missing ${missing.length}; ` +
          `final ${JSON.stringify(done.counts)}\n`,
      );
      // Every status the engine answered 200 for is in its recipients.
      expect(webhooks.dropped).toBe(0);
      expect(log.messages.filter((m) => m.acknowledged.length === 0)).toEqual([]);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(done.counts).toMatchObject({ pending: 0, sending: 0, unknown: 0, failed: 0 });
      expect(done.counts.read).toBe(TOTAL);
      // From the sandbox's record: nobody lost, nobody twice.
      expect(distinct.size).toBe(TOTAL);
      expect(log.count).toBe(TOTAL);
      expect(log.injected.timeoutAfterAccept).toBe(lostAnswers.length);
      // The engine marked unknown exactly the sends whose answers were lost (or, for those in
      // flight at a crash, the crashed attempt's rows), and never sent them again.
      expect(timedOut.every((p) => lostAnswers.includes(p))).toBe(true);
      // A lost answer goes unmarked only when its worker was killed while it waited for that
      // answer and the provider's status came before another attempt took the campaign over:
      // then the status settles it. Any other unmarked one is a send the engine lost track of.
      const acceptedAt = new Map(log.messages.map((m) => [`+${m.to}`, m.acceptedAtMs]));
      const unmarked = lostAnswers.filter((p) => !reasons.has(p));
      const inFlightAtKill = (p: string) =>
        kills.some((k) => acceptedAt.get(p)! > k - 2 * 1_500 && acceptedAt.get(p)! <= k + 500);
      expect(unmarked.filter((p) => !inFlightAtKill(p))).toEqual([]);
    }, 480_000);

    /**
     * The statuses the sandbox delivered with a 200 answer that the campaign's recipients do not
     * show: each message's highest such status must be its row's status, at that status's time,
     * and every lower one must have its time set.
     */
    async function statusesMissing(campaignId: string, log: SandboxLog) {
      const res = await db!.query<{
        phone: string;
        status: string;
        sent_at: Date | null;
        delivered_at: Date | null;
        read_at: Date | null;
        failed_at: Date | null;
      }>(
        `select phone, status, sent_at, delivered_at, read_at, failed_at
         from recipients where campaign_id = $1`,
        [campaignId],
      );
      const rows = new Map(res.rows.map((r) => [r.phone, r]));
      const missing: string[] = [];
      for (const m of log.messages) {
        const row = rows.get(`+${m.to}`);
        const taken = [...m.acknowledged].sort((a, b) => RANK[a] - RANK[b]);
        const highest = taken.at(-1);
        if (!highest) continue;
        const at = (s: keyof typeof RANK) =>
          Math.floor((m.acceptedAtMs + STATUS_DELAYS_MS[s]) / 1000) * 1000;
        if (row?.status !== highest || row[`${highest}_at`]?.getTime() !== at(highest))
          missing.push(
            `${m.to} ${highest}: row ${row?.status} at ${row?.[`${highest}_at`]?.toISOString()}`,
          );
        for (const s of taken.slice(0, -1))
          if (!row?.[`${s}_at`]) missing.push(`${m.to} ${s}: no ${s}_at`);
      }
      return missing;
    }

    /** Rows the engine marked unknown at some point, by number, with why. */
    async function unknownReasons(campaignId: string) {
      const res = await db!.query<{ phone: string; error_message: string }>(
        `select phone, error_message from recipients
       where campaign_id = $1
         and (error_message like '%timed out%' or error_message like 'send interrupted%')`,
        [campaignId],
      );
      return new Map(
        res.rows.map((r) => [
          r.phone,
          r.error_message.includes('timed out') ? ('timed out' as const) : ('interrupted' as const),
        ]),
      );
    }
  },
);
