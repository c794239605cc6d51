import { Readable } from 'node:stream';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

const TOTAL = 10_000;

/**
 * A live stale attempt: the worker sending a 10,000-recipient campaign at 1,000 msg/s is frozen
 * (SIGSTOP) past the send activity's heartbeat timeout, a second worker takes the campaign over,
 * and then the first goes on from where it stood, its reserved rows and timers intact. Counted
 * from the sandbox's record: no number gets two messages, and every recipient ends final.
 */
describe('a send attempt that stalls while another takes the campaign over', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({
      sandbox: { SANDBOX_STATUS_DELAYS_MS: '50,100,150' },
      // A send the frozen worker had begun when it stopped has an unknown fate (its request may
      // have left); such rows wait this window for a status, then fail as unknown_outcome.
      api: { CAMPAIGN_UNKNOWN_WINDOW_MS: '15000' },
    });
  });

  afterAll(async () => {
    engine?.continueWorker(0);
    await engine?.stop();
  });

  it('sends no recipient twice, and leaves none unsent', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 1_000 });
    const numbers = testNumbers(TOTAL, 40_000);
    const upload = await fetch(`${engine.apiUrl}/v1/audiences?name=stale`, {
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
      name: 'stale attempt',
      template: { name: 'spring_sale', language: 'en_US' },
      audienceId,
    });
    expect(launch.status).toBe(201);
    const { id } = launch.body as { id: string };

    const accepted = async () =>
      (await engine.sandbox<{ accepted: number }>('/sandbox/stats')).accepted;
    await eventually(async () => ((await accepted()) >= 2_000 ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 50,
    });
    engine.suspendWorker(0);
    const frozenAt = await accepted();
    process.stderr.write(`[stale attempt] worker frozen at ${frozenAt} accepted\n`);
    await engine.startWorker();
    // Well past the 5 s heartbeat timeout: the new worker's attempt has the lease by then.
    await eventually(async () => ((await accepted()) > frozenAt + 1_000 ? true : undefined), {
      timeoutMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 10_000));
    engine.continueWorker(0);
    const resumedAt = await accepted();

    let done = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === 'completed' ? c : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    ).catch(async (err: unknown) => {
      const c = await api.campaign(id);
      throw new Error(`${String(err)}; campaign ${c.status} ${JSON.stringify(c.counts)}`);
    });
    // Rows the frozen attempt had reserved and may have sent stay unknown until the window;
    // whichever of them did not go out end as unknown_outcome, and a retry sends them once.
    const unsure = done.counts.failed;
    if (unsure > 0) {
      await api.call('POST', `/v1/campaigns/${id}/retry-failed`);
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
    process.stderr.write(
      `[stale attempt] frozen at ${frozenAt} accepted, continued at ${resumedAt}; ` +
        `accepted ${log.count}, distinct ${distinct.size}; failed as unknown_outcome and retried ${unsure}; ` +
        `final ${JSON.stringify(done.counts)}\n`,
    );
    expect(log.count).toBe(distinct.size);
    expect(distinct.size).toBe(TOTAL);
    expect(done.counts).toMatchObject({ pending: 0, sending: 0, unknown: 0, failed: 0 });
  }, 480_000);
});
