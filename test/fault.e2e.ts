import { Readable } from 'node:stream';
import pg from 'pg';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

const TOTAL = 5_000;

/**
 * Durability under faults: a 5,000-recipient campaign whose provider loses 1% of its answers
 * after accepting the message, while the worker is killed outright three times and the Temporal
 * server restarts once. Counted from the sandbox's record: every number received exactly one
 * message, none is lost, and the engine marked unknown exactly the sends whose answers were lost.
 */
describe('a campaign through worker crashes and a Temporal restart', () => {
  let engine: Engine;
  let db: pg.Client;

  beforeAll(async () => {
    engine = await startEngine({
      // Statuses come after the request timeout and after a crashed attempt is taken over (a
      // 5 s heartbeat timeout), so every lost answer is first seen as unknown; the unknown
      // window outlasts them, so only rows that never went out fail as unknown_outcome.
      sandbox: {
        SANDBOX_STATUS_DELAYS_MS: '10000,10100,10200',
        SANDBOX_THROUGHPUT_PER_SECOND: '250',
      },
      worker: { WHATSAPP_REQUEST_TIMEOUT_MS: '1500' },
      api: { CAMPAIGN_UNKNOWN_WINDOW_MS: '15000' },
    });
    db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await engine?.stop();
  });

  it('ends with every recipient final, none lost, none sent twice', async () => {
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
      eventually(async () => ((await accepted()) >= n ? true : undefined), { timeoutMs: 120_000 });
    const events: string[] = [];
    for (const [at, fault] of [
      [700, 'kill'],
      [1_700, 'kill'],
      [2_700, 'restart'],
      [3_500, 'kill'],
    ] as const) {
      await after(at);
      if (fault === 'kill') {
        await engine.crashWorker();
        await engine.startWorker();
      } else {
        await testInfrastructure().restartTemporal();
      }
      events.push(`${fault} at ${await accepted()}`);
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

    const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
    const distinct = new Set(log.messages.map((m) => m.to));
    const reasons = await unknownReasons(id);
    const timedOut = [...reasons].filter(([, r]) => r === 'timed out').map(([p]) => p);
    const interruptedRows = [...reasons].filter(([, r]) => r === 'interrupted').map(([p]) => p);
    process.stderr.write(
      `[fault] ${events.join(', ')}; accepted ${log.count}, distinct ${distinct.size}; ` +
        `answers lost ${lostAnswers.length}, marked unknown on timeout ${timedOut.length}; ` +
        `rows a crashed attempt may have sent, settled by their status ${interruptedRows.length}; ` +
        `rows it had reserved but never sent, failed as unknown_outcome and retried ${interrupted}; ` +
        `final ${JSON.stringify(done.counts)}\n`,
    );
    expect(done.counts).toMatchObject({ pending: 0, sending: 0, unknown: 0, failed: 0 });
    expect(done.counts.read).toBe(TOTAL);
    // From the sandbox's record: nobody lost, nobody twice.
    expect(distinct.size).toBe(TOTAL);
    expect(log.count).toBe(TOTAL);
    expect(log.injected.timeoutAfterAccept).toBe(lostAnswers.length);
    // The engine marked unknown exactly the sends whose answers were lost (or, for those in
    // flight at a crash, the crashed attempt's rows), and never sent them again.
    expect(timedOut.every((p) => lostAnswers.includes(p))).toBe(true);
    expect(lostAnswers.filter((p) => reasons.has(p)).sort()).toEqual([...lostAnswers].sort());
  });

  /** Rows the engine marked unknown at some point, by number, with why. */
  async function unknownReasons(campaignId: string) {
    const res = await db.query<{ phone: string; error_message: string }>(
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
});
