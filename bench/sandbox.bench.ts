import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadConfig } from '#libs/config';

/**
 * How fast the WhatsApp sandbox accepts sends while posting their status webhooks, so it is
 * known not to be the bottleneck of an engine benchmark on the same machine. Runs the built
 * sandbox as a child process (its CPU is read from /proc) with the benchmark's template seeded,
 * a webhook receiver that answers 200, and a keep-alive load generator; prints one JSON line:
 *
 *   sends               template sends fired (all must be accepted)
 *   seconds             from the first send to the last answer
 *   acceptedPerSec      accepted sends / seconds
 *   webhookEvents       status events the sandbox delivered (3 per send)
 *   webhookEventsPerSec webhookEvents / (first send to last webhook delivered)
 *   p99WebhookMs        99th percentile round trip of a webhook POST, as the sandbox measured it
 *   sandboxCpuSeconds   user + system CPU of the sandbox process over the whole run
 *
 *   npm run build && node dist/bench/sandbox.bench.js [sends]     BENCH_CONCURRENCY=64 BENCH_RATE=
 */
const settings = loadConfig(
  z.object({
    BENCH_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
    /** Paces the sends at this many a second, to see the CPU a given load costs; unset = flat out. */
    BENCH_RATE: z.coerce.number().positive().optional(),
    BENCH_TIMEOUT_S: z.coerce.number().int().min(10).default(300),
  }),
);
const sends = Number(process.argv[2] ?? 50_000);
const token = 'bench-token';
const log = (line: string) => process.stderr.write(`[sandbox-bench] ${line}\n`);
const clockTicks = clockTicksPerSecond();

const receiver = await listen(
  createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  }),
);
const port = await freePort();
const sandbox = spawn(
  process.execPath,
  [path.join(path.dirname(fileURLToPath(import.meta.url)), '../apps/wa-sandbox/src/main.js')],
  {
    env: {
      PATH: process.env.PATH,
      WHATSAPP_TOKEN: token,
      WHATSAPP_APP_SECRET: 'bench-app-secret',
      HOST: '127.0.0.1',
      SANDBOX_PORT: String(port),
      SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`,
      SANDBOX_THROUGHPUT_PER_SECOND: '1000000000',
      // The template is known, so every send is checked against it as Meta would check it.
      SANDBOX_TEMPLATES: JSON.stringify([
        {
          name: 'bench_template',
          language: 'en',
          category: 'MARKETING',
          components: [
            { type: 'BODY', text: 'Hello {{1}}', example: { body_text: [['customer 1']] } },
          ],
        },
      ]),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const baseUrl = await listening(sandbox);
const agent = new Agent({ keepAlive: true, maxSockets: settings.BENCH_CONCURRENCY });

try {
  const cpuBefore = cpuSeconds(sandbox.pid as number);
  const started = performance.now();
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: settings.BENCH_CONCURRENCY }, async () => {
      while (next < sends) {
        const i = next++;
        const wait = settings.BENCH_RATE
          ? started + (i * 1000) / settings.BENCH_RATE - performance.now()
          : 0;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const status = await post(`${baseUrl}/v24.0/100200300/messages`, sendBody(i));
        if (status !== 200) refused++;
      }
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  if (refused) throw new Error(`${refused} of ${sends} sends were refused`);
  log(`${sends} sends accepted in ${sendSeconds.toFixed(2)} s; waiting for their webhooks`);

  const deadline = Date.now() + settings.BENCH_TIMEOUT_S * 1000;
  let stats = await sandboxStats();
  while (stats.webhooks.pending > 0 || stats.webhooks.events < sends * 3) {
    if (Date.now() > deadline) throw new Error(`webhooks still pending: ${JSON.stringify(stats)}`);
    await new Promise((r) => setTimeout(r, 50));
    stats = await sandboxStats();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(sandbox.pid as number) - cpuBefore;

  process.stdout.write(
    `${JSON.stringify({
      sends,
      seconds: round(sendSeconds),
      acceptedPerSec: Math.round(stats.accepted / sendSeconds),
      webhookEvents: stats.webhooks.events,
      webhookEventsPerSec: Math.round(stats.webhooks.events / totalSeconds),
      p99WebhookMs: stats.webhooks.p99Ms,
      sandboxCpuSeconds: round(cpu),
    })}\n`,
  );
} finally {
  agent.destroy();
  const exited = new Promise((resolve) => sandbox.once('exit', resolve));
  sandbox.kill('SIGTERM');
  await exited;
  receiver.closeAllConnections();
  receiver.close();
}

function sendBody(i: number): string {
  return JSON.stringify({
    messaging_product: 'whatsapp',
    to: `4474${String(i).padStart(8, '0')}`,
    type: 'template',
    template: {
      name: 'bench_template',
      language: { code: 'en' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: `customer ${i}` }] }],
    },
    biz_opaque_callback_data: `bench-${i}`,
  });
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Stats {
  accepted: number;
  webhooks: { events: number; pending: number; p99Ms: number };
}

async function sandboxStats(): Promise<Stats> {
  const res = await fetch(`${baseUrl}/sandbox/stats`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as Stats;
}

/** utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Resolves to the sandbox's URL once it says it is listening. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}): ${output}`)));
  });
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function freePort(): Promise<number> {
  const server = await listen(createServer());
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
