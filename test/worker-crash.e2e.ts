import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

interface SandboxLog {
  count: number;
  messages: { to: string }[];
}

/**
 * Kills the worker outright in the middle of a campaign and starts another: nothing is sent
 * twice, and every recipient is either delivered or, if its request was in flight at the
 * crash, held as `unknown` rather than sent again.
 */
describe('a worker crash mid-campaign', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({
      // A modest throughput keeps the campaign running long enough to be interrupted.
      sandbox: { SANDBOX_THROUGHPUT_PER_SECOND: '40', SANDBOX_STATUS_DELAYS_MS: '10,20,30' },
      api: { CAMPAIGN_CHUNK_SIZE: '50', CAMPAIGN_SETTLE_TIMEOUT_MS: '5000' },
      worker: { SEND_CONCURRENCY: '4' },
    });
  });

  afterAll(() => engine?.stop());

  const sandboxLog = async () =>
    (await (await fetch(`${engine.sandboxUrl}/sandbox/messages`)).json()) as SandboxLog;

  it('loses no recipient and sends none twice', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const total = 300;
    const { id } = await api.launch(testNumbers(total, 2000).map((phone) => ({ phone })));

    await eventually(async () => ((await sandboxLog()).count >= 60 ? true : undefined));
    await engine.crashWorker();
    const sentBeforeCrash = (await sandboxLog()).count;
    expect(sentBeforeCrash).toBeLessThan(total);
    await engine.startWorker();

    const done = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === 'completed' ? c : undefined;
      },
      { timeoutMs: 110_000, intervalMs: 500 },
    );

    const log = await sandboxLog();
    const distinct = new Set(log.messages.map((m) => m.to));
    process.stderr.write(
      `[worker-crash] accepted before crash ${sentBeforeCrash}, after ${log.count}; final ${JSON.stringify(done.counts)}\n`,
    );
    expect(log.count).toBe(distinct.size);
    expect(done.counts.read).toBe(log.count);
    expect(done.counts.read + done.counts.unknown).toBe(total);
    expect(done.counts).toMatchObject({ pending: 0, sending: 0, failed: 0 });
    // Only sends in flight at the crash can be unknown: at most one per concurrent lane.
    expect(done.counts.unknown).toBeLessThanOrEqual(4);
  });
});
