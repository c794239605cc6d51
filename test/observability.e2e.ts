import { readFile } from 'node:fs/promises';
import { apiClient } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

/** The value of one sample (`name{labels} value`) in a Prometheus text exposition, or 0. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

/** Ports listening on 127.0.0.1 only, and on any address, from /proc/net/tcp. */
async function listeners(): Promise<{ loopback: Set<number>; any: Set<number> }> {
  const rows = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  const loopback = new Set<number>();
  const any = new Set<number>();
  for (const row of rows) {
    const [, local, , state] = row.trim().split(/\s+/);
    if (state !== '0A' || !local) continue; // LISTEN
    const [address, port] = local.split(':');
    if (address === '0100007F') loopback.add(parseInt(port, 16));
    if (address === '00000000') any.add(parseInt(port, 16));
  }
  return { loopback, any };
}

/**
 * Operators can see what the engine does: Prometheus metrics on the API and the worker move
 * while a campaign runs (including the provider's throttling), logs are JSON lines carrying
 * the request, campaign and workflow ids, and every process listens on 127.0.0.1 only.
 */
describe('metrics, logs and listeners', () => {
  let engine: Engine;

  beforeAll(async () => {
    // The sender is set above what the provider allows, so the provider throttles it.
    engine = await startEngine({ sandbox: { SANDBOX_THROUGHPUT_PER_SECOND: '30' } });
  });

  afterAll(() => engine?.stop());

  it('counts sends, throttling, limiter waits and webhooks while a campaign runs', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 60 });
    const { id } = await api.launch(
      testNumbers(240, 8000).map((phone) => ({ phone })),
      'metrics',
    );
    // The API's metrics take its METRICS_TOKEN; the worker's listen on loopback only.
    const scrape = async (url: string) =>
      (
        await fetch(`${url}/metrics`, {
          headers:
            url === engine.apiUrl ? { authorization: `Bearer ${engine.secrets.metricsToken}` } : {},
        })
      ).text();
    const [workerUrl] = engine.workerUrls();

    // While it runs: the campaign is counted as running, its recipients by state.
    const during = await eventually(
      async () => {
        const text = await scrape(engine.apiUrl);
        return sample(text, 'wa_campaigns', { status: 'running' }) >= 1 ? text : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(sample(during, 'wa_recipients')).toBeGreaterThan(0);
    await eventually(
      async () => ((await api.campaign(id)).status === 'completed' ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );

    const worker = await scrape(workerUrl);
    expect(sample(worker, 'wa_sends_total', { outcome: 'sent' })).toBe(240);
    expect(
      sample(worker, 'wa_sends_total', { outcome: 'throttled', code: '130429' }),
    ).toBeGreaterThan(0);
    expect(
      sample(worker, 'wa_provider_throttled_total', { sender: engine.sender }),
    ).toBeGreaterThan(0);
    expect(sample(worker, 'wa_limiter_wait_seconds_count')).toBeGreaterThanOrEqual(240);
    expect(sample(worker, 'wa_send_duration_seconds_count')).toBeGreaterThanOrEqual(240);
    expect(sample(worker, 'wa_limiter_reservations_total', { result: 'claimed' })).toBeGreaterThan(
      0,
    );
    // The Temporal SDK's own runtime metrics are served beside them.
    expect(worker).toMatch(/^temporal_\w+/m);

    // A campaign completes once every message is delivered; the last reads may follow.
    const after = await eventually(async () => {
      const text = await scrape(engine.apiUrl);
      return sample(text, 'wa_webhook_events_total', { kind: 'read' }) >= 240 ? text : undefined;
    });
    expect(sample(after, 'wa_webhook_intake_seconds_count')).toBeGreaterThan(0);
    expect(sample(after, 'wa_webhook_statuses_applied_total')).toBeGreaterThanOrEqual(240);
    expect(sample(after, 'wa_campaigns', { status: 'completed' })).toBeGreaterThanOrEqual(1);

    // Logs: JSON lines, each with its process, and the ids that tie them together.
    const json = (prefix: string) =>
      engine.logs
        .filter((l) => l.startsWith(`[${prefix}`))
        .map((l) => l.slice(l.indexOf(']') + 2))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The workflow logs its close after the row says completed: its line may come a moment later.
    const closedLine = (l: Record<string, unknown>) =>
      l.msg === 'campaign status changed' &&
      l.campaignId === id &&
      l.to === 'completed' &&
      l.workflowId === `campaign-${id}`;
    await eventually(async () => (json('worker').some(closedLine) ? true : undefined), {
      timeoutMs: 15_000,
    }).catch(() => undefined);
    const workerLines = json('worker');
    expect(workerLines.some(closedLine)).toBe(true);
    const throttleWarnings = workerLines.filter((l) => String(l.msg).includes('answered 130429'));
    expect(throttleWarnings.length).toBeGreaterThan(0);
    expect(throttleWarnings.every((l) => l.level === 40 && l.campaignId === id)).toBe(true);
    const apiLines = json('api');
    expect(apiLines.some((l) => l.msg === 'campaign launched' && l.campaignId === id)).toBe(true);
  });

  it("refuses the API's /metrics without its METRICS_TOKEN", async () => {
    const none = await fetch(`${engine.apiUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.text()).not.toMatch(/wa_campaigns|process_cpu/);
    const wrong = await fetch(`${engine.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${engine.secrets.metricsToken.replace(/.$/, '#')}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${engine.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${engine.secrets.metricsToken}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/^# HELP wa_webhook_events_total/m);
  });

  it('serves no API metrics at all when METRICS_TOKEN is unset', async () => {
    const bare = await startEngine({ api: { METRICS_TOKEN: '' } });
    try {
      const res = await fetch(`${bare.apiUrl}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('METRICS_TOKEN');
    } finally {
      await bare.stop();
    }
  });

  it('tags each request with an id, answers the root with links, and listens on loopback', async () => {
    const res = await fetch(`${engine.apiUrl}/`, {
      headers: { 'x-request-id': 'req-observability-1' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-observability-1');
    expect(await res.json()).toMatchObject({
      links: { docs: '/docs', health: '/health', metrics: '/metrics' },
    });
    await eventually(async () =>
      engine.logs.some((l) => l.includes('"req-observability-1"')) ? true : undefined,
    );

    const { loopback, any } = await listeners();
    const ports = [engine.apiUrl, engine.sandboxUrl, ...engine.workerUrls()].map((u) =>
      Number(new URL(u).port),
    );
    for (const port of ports) {
      expect(loopback.has(port)).toBe(true);
      expect(any.has(port)).toBe(false);
    }
  });
});
