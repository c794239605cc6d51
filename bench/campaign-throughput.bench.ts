import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { loadConfig } from '#libs/config';
import { startEngine, startInfrastructure } from '#libs/dev-stack';

/**
 * Sends one campaign through the real engine (embedded PostgreSQL, Temporal dev server, sandbox,
 * worker, API as separate processes) and prints what the sandbox saw: throughput, the busiest
 * one-second window against the per-number limit, duplicates, provider rejections, and the
 * workflow's history size.
 *
 *   npm run bench -- [recipients]          BENCH_THROUGHPUT=80 sets the sandbox's per-number limit
 */
const settings = loadConfig(
  z.object({
    DATABASE_URL: z.string().optional(),
    TEMPORAL_ADDRESS: z.string().optional(),
    BENCH_THROUGHPUT: z.coerce.number().int().min(1).default(80),
    BENCH_TIMEOUT_S: z.coerce.number().int().min(10).default(900),
  }),
);
const recipients = Number(process.argv[2] ?? 2000);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-bench-'));
await chmod(dir, 0o755);
const infra = await startInfrastructure({
  databaseUrl: settings.DATABASE_URL,
  temporalAddress: settings.TEMPORAL_ADDRESS,
  databaseName: `wa_bench_${Date.now()}`,
  freshDatabase: true,
  embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
  log,
});
const engine = await startEngine({
  databaseUrl: infra.databaseUrl,
  temporalAddress: infra.temporalAddress,
  sandbox: {
    SANDBOX_THROUGHPUT_PER_SECOND: String(settings.BENCH_THROUGHPUT),
    SANDBOX_STATUS_DELAYS_MS: '50,100,150',
  },
});

try {
  const token = await engine.login();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const numbers = Array.from(
    { length: recipients },
    (_, i) => `+447400${String(i).padStart(6, '0')}`,
  );
  const started = Date.now();
  const res = await fetch(`${engine.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'bench',
      template: { name: 'bench_template', language: 'en' },
      recipients: numbers.map((phone) => ({ phone })),
    }),
  });
  const launched = (await res.json()) as {
    id: string;
    workflowId: string;
    totalRecipients: number;
  };
  if (res.status !== 201) throw new Error(`launch failed: ${JSON.stringify(launched)}`);
  const launchMs = Date.now() - started;
  log(`launched ${launched.totalRecipients} recipients in ${launchMs} ms; waiting for completion`);

  let campaign: { status: string; counts: Record<string, number> };
  const deadline = Date.now() + settings.BENCH_TIMEOUT_S * 1000;
  for (;;) {
    campaign = (await (
      await fetch(`${engine.apiUrl}/v1/campaigns/${launched.id}`, { headers })
    ).json()) as typeof campaign;
    if (['completed', 'failed', 'cancelled'].includes(campaign.status) || Date.now() > deadline)
      break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const totalMs = Date.now() - started;

  const sandbox = (await (await fetch(`${engine.sandboxUrl}/sandbox/messages`)).json()) as {
    count: number;
    rejected: Record<string, number>;
    messages: { to: string; acceptedAt: string }[];
  };
  const times = sandbox.messages.map((m) => Date.parse(m.acceptedAt)).sort((a, b) => a - b);
  let maxWindow = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= 1000) lo++;
    maxWindow = Math.max(maxWindow, hi - lo + 1);
  }
  const sendSpanS = times.length > 1 ? ((times.at(-1) as number) - times[0]) / 1000 : 0;

  const connection = await Connection.connect({ address: infra.temporalAddress });
  const description = await new Client({ connection }).workflow
    .getHandle(launched.workflowId)
    .describe();
  await connection.close();

  const figures = {
    recipients: launched.totalRecipients,
    campaignStatus: campaign.status,
    launchMs,
    timeToCompleteS: +(totalMs / 1000).toFixed(1),
    acceptedBySandbox: sandbox.count,
    distinctRecipientsAccepted: new Set(sandbox.messages.map((m) => m.to)).size,
    duplicateSends: sandbox.count - new Set(sandbox.messages.map((m) => m.to)).size,
    rejectedBySandbox: sandbox.rejected,
    perNumberLimitPerS: settings.BENCH_THROUGHPUT,
    maxSendsInAnyOneSecondWindow: maxWindow,
    achievedSendsPerS: sendSpanS ? +(sandbox.count / sendSpanS).toFixed(1) : null,
    achievedShareOfLimit: sendSpanS
      ? +(sandbox.count / sendSpanS / settings.BENCH_THROUGHPUT).toFixed(3)
      : null,
    finalCounts: campaign.counts,
    workflowHistoryEvents: description.historyLength,
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await engine.stop();
  await infra.stop();
}
