import { Client, Connection } from '@temporalio/client';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

/**
 * Recipients the provider kept failing (5xx until the attempts ran out) and sends whose answer
 * was lost with no status ever coming end `failed` (transient, unknown_outcome); "retry failed"
 * sends them again, and the sandbox receives each of them once.
 */
describe('retry failed', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({
      sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' },
      worker: { SEND_MAX_ATTEMPTS: '2', WHATSAPP_REQUEST_TIMEOUT_MS: '1000' },
      api: { CAMPAIGN_UNKNOWN_WINDOW_MS: '3000' },
    });
  });

  afterAll(() => engine?.stop());

  it('re-sends failed-transient and unknown_outcome recipients, and only those', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const numbers = testNumbers(40, 7000);
    const digits = (n: string) => n.slice(1);
    const flaky = numbers.slice(0, 3).map(digits);
    const lost = numbers.slice(3, 5).map(digits);
    const gone = numbers.slice(5, 6).map(digits);
    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: {
        faults: [
          { kind: 'http5xx', numbers: flaky },
          { kind: 'timeout', numbers: lost, hangMs: 3_000 },
          { kind: 'error', code: 131026, numbers: gone },
        ],
      },
    });
    const { id } = await api.launch(numbers.map((phone) => ({ phone })));
    const closed = () =>
      eventually<CampaignView>(
        async () => {
          const c = await api.campaign(id);
          return c.status === 'completed' && c.counts.read === c.totalRecipients - c.counts.failed
            ? c
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
    const first = await closed();
    expect(first.counts).toMatchObject({ read: 34, failed: 6, pending: 0, unknown: 0 });

    const db = await failures(engine, id);
    expect(
      db
        .filter((r) => r.error_class === 'transient')
        .map((r) => r.phone)
        .sort(),
    ).toEqual(numbers.slice(0, 3).sort());
    expect(
      db
        .filter((r) => r.error_class === 'unknown_outcome')
        .map((r) => r.phone)
        .sort(),
    ).toEqual(numbers.slice(3, 5).sort());
    expect(db.filter((r) => r.error_class === 'permanent')).toEqual([
      expect.objectContaining({ phone: numbers[5], error_code: 131026 }),
    ]);

    // The provider recovers; the operator retries.
    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { faults: [] } });
    const retry = await api.call('POST', `/v1/campaigns/${id}/retry-failed`, {
      reason: 'provider recovered',
    });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ requeued: 5 });
    const second = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === 'completed' && c.counts.read === 39 ? c : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(second.counts).toMatchObject({ read: 39, failed: 1, pending: 0 });

    const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
    const received = (to: string) => log.messages.filter((m) => m.to === to).length;
    for (const n of [...flaky, ...lost]) expect(received(n)).toBe(1);
    expect(received(gone[0])).toBe(0);
    expect(new Set(log.messages.map((m) => m.to)).size).toBe(log.count);
  });
});

describe('retry failed with nothing to retry', () => {
  let engine: Engine;
  let temporal: Client;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    temporal = new Client({
      connection: await Connection.connect({ address: testInfrastructure().temporalAddress }),
    });
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await engine?.stop();
  });

  it('answers that none was requeued, and the run it starts ends with the campaign as it closed', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const { id, workflowId } = await api.launch(testNumbers(5, 7100).map((phone) => ({ phone })));
    await eventually(async () =>
      (await api.campaign(id)).status === 'completed' ? true : undefined,
    );
    const firstRun = (await temporal.workflow.getHandle(workflowId).describe()).runId;

    const retry = await api.call('POST', `/v1/campaigns/${id}/retry-failed`, {});
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ requeued: 0 });
    const latest = await eventually(
      async () => {
        const d = await temporal.workflow.getHandle(workflowId).describe();
        return d.runId !== firstRun && d.status.name === 'COMPLETED' ? d : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(latest.status.name).toBe('COMPLETED');
    expect((await api.campaign(id)).status).toBe('completed');
  });
});

async function failures(engine: Engine, campaignId: string) {
  const { default: pg } = await import('pg');
  const db = new pg.Client({ connectionString: engine.databaseUrl });
  await db.connect();
  try {
    const res = await db.query<{ phone: string; error_class: string; error_code: number | null }>(
      `select phone, error_class, error_code from recipients
       where campaign_id = $1 and status = 'failed' order by phone`,
      [campaignId],
    );
    return res.rows;
  } finally {
    await db.end();
  }
}
