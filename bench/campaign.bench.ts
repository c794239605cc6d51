import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { loadConfig } from '#libs/config';
import { normalisePhone } from '#libs/domain';
import {
  startEngine,
  startInfrastructure,
  temporalServerSetting,
  terminalProgress,
  type Engine,
} from '#dev-stack';
import { numbersOf, split } from './support/audience.js';
import { engineApi } from './support/engine-api.js';
import { cpuByChild, peakRssMb } from './support/proc.js';
import { sharesWhileSharing } from './support/shares.js';
import { extent, maxInWindow } from './support/windows.js';

const USAGE = `npm run bench -- campaign [--recipients N] [--campaigns K] [--workers W]
    [--sender-rate R] [--country-rate CC=R ...] [--sandbox-limit L] [--timeout S]
    [--save-log FILE]   (the sandbox's record of accepted messages, for a closer look)

Sends K concurrent campaigns (N recipients in all, split evenly) from one sender through every
real part on this machine and prints one JSON line of figures, counted from the sandbox's record.
With country rates the audience is spread over those countries and two unlimited ones.`;

interface SandboxMessage {
  to: string;
  phoneNumberId: string;
  callbackData?: string;
  acceptedAtMs: number;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export async function campaignBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipients: { type: 'string', default: '2000' },
      campaigns: { type: 'string', default: '1' },
      workers: { type: 'string', default: '1' },
      'sender-rate': { type: 'string', default: '80' },
      'country-rate': { type: 'string', multiple: true, default: [] },
      'sandbox-limit': { type: 'string' },
      timeout: { type: 'string', default: '1800' },
      'save-log': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const int = (name: string, v: string | undefined, min = 1) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const recipients = int('recipients', values.recipients);
  const campaignCount = int('campaigns', values.campaigns);
  const workerCount = int('workers', values.workers);
  const senderRate = int('sender-rate', values['sender-rate']);
  const sandboxLimit = values['sandbox-limit']
    ? int('sandbox-limit', values['sandbox-limit'])
    : senderRate;
  const timeoutMs = int('timeout', values.timeout) * 1000;
  const countryRates = Object.fromEntries(
    values['country-rate'].map((spec) => {
      const m = /^([A-Z]{2})=(\d+(\.\d+)?)$/.exec(spec);
      if (!m) throw new Error(`--country-rate takes CC=R, e.g. IN=40 (got ${spec})`);
      return [m[1], Number(m[2])];
    }),
  ) as Record<string, number>;
  const limited = Object.keys(countryRates);
  const countries = limited.length
    ? [...limited, ...['GB', 'DE'].filter((c) => !limited.includes(c))]
    : ['GB'];

  const settings = loadConfig(
    z.object({
      DATABASE_URL: z.string().optional(),
      TEMPORAL_ADDRESS: z.string().optional(),
      TEMPORAL_SERVER: temporalServerSetting,
    }),
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-bench-'));
  await chmod(dir, 0o755);
  const infra = await startInfrastructure({
    databaseUrl: settings.DATABASE_URL,
    temporalAddress: settings.TEMPORAL_ADDRESS,
    databaseName: `wa_bench_${Date.now()}`,
    freshDatabase: true,
    embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
    temporal: { server: settings.TEMPORAL_SERVER },
    log,
  });
  let engine: Engine | undefined;
  try {
    engine = await startEngine({
      databaseUrl: infra.databaseUrl,
      temporalAddress: infra.temporalAddress,
      workers: workerCount,
      sandbox: {
        SANDBOX_THROUGHPUT_PER_SECOND: String(sandboxLimit),
        SANDBOX_STATUS_DELAYS_MS: '50,150,300',
      },
    });
    const figures = await run(engine, {
      recipients,
      campaignCount,
      senderRate,
      sandboxLimit,
      countryRates,
      countries,
      timeoutMs,
      temporalAddress: infra.temporalAddress,
      saveLog: values['save-log'],
    });
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await engine?.stop();
    await infra.stop();
  }
}

interface RunSettings {
  recipients: number;
  campaignCount: number;
  senderRate: number;
  sandboxLimit: number;
  countryRates: Record<string, number>;
  countries: string[];
  timeoutMs: number;
  temporalAddress: string;
  saveLog: string | undefined;
}

async function run(engine: Engine, s: RunSettings) {
  // Signs in again when the access token expires: a run that waits out the unknown window is
  // longer than the token's 15 minutes.
  const api = await engineApi(engine);

  await api('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: s.senderRate });
  for (const [cc, rate] of Object.entries(s.countryRates)) {
    await api('PUT', `/v1/rate-limits/countries/${cc}`, { ratePerSecond: rate });
  }

  // One uploaded audience per campaign, every country spread evenly over each.
  const perCampaign = split(s.recipients, s.campaignCount);
  const offsets: Record<string, number> = {};
  const audienceIds: string[] = [];
  const uploadStarted = Date.now();
  for (const size of perCampaign) {
    const perCountry = split(size, s.countries.length);
    const lines = function* () {
      for (const [i, cc] of s.countries.entries()) {
        const offset = offsets[cc] ?? 0;
        offsets[cc] = offset + perCountry[i];
        for (const phone of numbersOf(cc, perCountry[i], offset)) {
          yield `${JSON.stringify({ phone })}\n`;
        }
      }
    };
    const upload = await api.upload<{ id: string; members: number }>(
      '/v1/audiences?name=bench',
      Readable.from(lines()),
      'application/x-ndjson',
    );
    audienceIds.push(upload.id);
  }
  const uploadSeconds = (Date.now() - uploadStarted) / 1000;
  log(`uploaded ${s.recipients} recipients in ${uploadSeconds.toFixed(1)} s`);

  await api('POST', '/v1/templates', {
    name: 'bench_template',
    language: 'en',
    category: 'MARKETING',
  });
  const cpuBefore = await cpuSnapshot(engine);
  const launchedAt = Date.now();
  const launched = await Promise.all(
    audienceIds.map((audienceId, i) =>
      api<{ id: string }>('POST', '/v1/campaigns', {
        name: `bench ${i + 1}`,
        template: { name: 'bench_template', language: 'en' },
        audienceId,
      }),
    ),
  );
  const ids = launched.map((c) => c.id);

  const bar = terminalProgress('sending');
  const deadline = Date.now() + s.timeoutMs;
  let statuses: string[];
  let total: number;
  for (;;) {
    const views = await Promise.all(
      ids.map((id) =>
        api<{ status: string; totalRecipients: number }>('GET', `/v1/campaigns/${id}`),
      ),
    );
    statuses = views.map((v) => v.status);
    total = views.reduce((n, v) => n + v.totalRecipients, 0);
    const stats = await engine.sandbox<{ accepted: number }>('/sandbox/stats');
    const elapsed = (Date.now() - launchedAt) / 1000;
    bar.update(stats.accepted, s.recipients, `${(stats.accepted / elapsed).toFixed(0)} msg/s`);
    if (statuses.every((st) => ['completed', 'failed', 'cancelled'].includes(st))) break;
    if (Date.now() > deadline) {
      log(`timed out with statuses ${statuses.join(', ')}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  bar.end();
  const wallSeconds = (Date.now() - launchedAt) / 1000;
  const cpuAfter = await cpuSnapshot(engine);
  const rss = await Promise.all(
    engine
      .processes()
      .filter((p) => p.name.startsWith('worker'))
      .map((p) => peakRssMb(p.pid)),
  );

  const log_ = await engine.sandbox<{
    count: number;
    rejected: Record<string, number>;
    messages: SandboxMessage[];
  }>('/sandbox/messages');
  if (s.saveLog) await writeFile(s.saveLog, JSON.stringify(log_.messages));
  const stats = await engine.sandbox<{ webhooks: { p99Ms: number | null } }>('/sandbox/stats');
  const times = log_.messages.map((m) => m.acceptedAtMs);
  const distinct = new Set(log_.messages.map((m) => m.to)).size;
  const [first, last] = extent(times);
  const span = times.length > 1 ? (last - first) / 1000 : 0;

  // Every limit key, with the sends it saw.
  const byCountry = new Map<string, number[]>();
  for (const m of log_.messages) {
    const cc = normalisePhone(`+${m.to}`)?.country ?? 'ZZ';
    const list = byCountry.get(cc) ?? [];
    list.push(m.acceptedAtMs);
    byCountry.set(cc, list);
  }
  const keys: Record<string, { limit: number; maxWindow: number; sent: number }> = {
    [`sender:${engine.sender}`]: {
      limit: s.senderRate,
      maxWindow: maxInWindow(times),
      sent: times.length,
    },
  };
  for (const [cc, rate] of Object.entries(s.countryRates)) {
    const t = byCountry.get(cc) ?? [];
    keys[`country:${cc}`] = { limit: rate, maxWindow: maxInWindow(t), sent: t.length };
  }
  // The shortest possible run: the busiest key at its limit.
  const minSeconds = Math.max(
    total / s.senderRate,
    ...Object.entries(s.countryRates).map(([cc, r]) => (byCountry.get(cc)?.length ?? 0) / r),
  );
  const msgsPerSec = span ? log_.count / span : null;

  const limits = await api<{ senders: { id: string; throttleEvents: number }[] }>(
    'GET',
    '/v1/rate-limits',
  );
  const history = await historyOf(s.temporalAddress, ids);
  const shares = await sharesWhileSharing(engine.databaseUrl, ids, log_.messages);
  const cpuSeconds = Object.fromEntries(
    Object.entries(cpuAfter).map(([k, v]) => [k, round(v - (cpuBefore[k] ?? 0), 1)]),
  );

  return {
    recipients: total,
    campaigns: s.campaignCount,
    workers: engine.processes().filter((p) => p.name.startsWith('worker')).length,
    statuses,
    sent: log_.count,
    lost: total - distinct,
    duplicates: log_.count - distinct,
    seconds: round(span, 1),
    wallSeconds: round(wallSeconds, 1),
    msgsPerSec: msgsPerSec === null ? null : round(msgsPerSec, 1),
    bindingLimit: round(total / minSeconds, 1),
    shareOfBindingLimit: msgsPerSec === null ? null : round(msgsPerSec / (total / minSeconds), 3),
    maxWindow: keys[`sender:${engine.sender}`].maxWindow,
    limit: s.senderRate,
    sandboxLimit: s.sandboxLimit,
    keys,
    rejected130429: log_.rejected['130429'] ?? 0,
    rejected: log_.rejected,
    throttleEvents: limits.senders.find((x) => x.id === engine.sender)?.throttleEvents ?? 0,
    minShareWhileSharing: shares?.min ?? null,
    fairShare: round(1 / s.campaignCount, 3),
    maxHistoryEvents: history.max,
    historyEventsPer1000: total ? round((history.total / total) * 1000, 1) : null,
    workflowRuns: history.runs,
    workerPeakRssMb: Math.max(...rss.map((r) => r ?? 0)),
    webhookP99Ms: stats.webhooks.p99Ms,
    cpuSeconds,
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** CPU seconds per process: the engine's own, and PostgreSQL's and Temporal's process trees. */
async function cpuSnapshot(engine: Engine): Promise<Record<string, number>> {
  const names = new Map(engine.processes().map((p) => [p.pid, p.name]));
  const all = await cpuByChild(process.pid, ({ pid, comm }) => {
    if (names.has(pid)) return names.get(pid) as string;
    if (comm.startsWith('postgres')) return 'postgres';
    if (comm.startsWith('temporal')) return 'temporal';
    return comm;
  });
  return all;
}

/** History events of every run (continue-as-new included) of the campaigns' workflows. */
async function historyOf(address: string, ids: string[]) {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    let max = 0;
    let total = 0;
    let runs = 0;
    for (const id of ids) {
      for await (const wf of client.workflow.list({ query: `CampaignId = "${id}"` })) {
        runs += 1;
        max = Math.max(max, wf.historyLength);
        total += wf.historyLength;
      }
    }
    return { max, total, runs };
  } finally {
    await connection.close();
  }
}
