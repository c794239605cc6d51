import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { terminalProgress, type Engine } from '#dev-stack';
import { importContacts, writeContactsCsv } from './support/contacts-csv.js';
import { engineApi, type EngineApi } from './support/engine-api.js';
import { logSummary } from './support/engine-logs.js';
import { cpuByChild, peakRssMb } from './support/proc.js';
import { benchLog as log, numberOption, round, withStack } from './support/stack.js';
import { maxInWindow, percentile } from './support/windows.js';

const USAGE = `npm run bench -- drip [--enrolments N] [--rate R] [--sandbox-limit L] [--workers W]
    [--history-sample S] [--timeout SECONDS] [--save-logs FILE]

Imports N contacts into a list, enrols the list in a three-send sequence (send, wait 2 s, send,
wait 2 s for a reply, send a reminder on the timeout) from a sender limited to R msg/s (the
sandbox accepts L, default R, and refuses a second message to one number within 6 s), waits
until every enrolment has ended, and prints one JSON line counted from the sandbox's record and
PostgreSQL: enrolments/s of the enrol call, sends and sends/s, the busiest second of the sender
key, the shortest gap between two messages to one number, 131056 and 130429 refusals, the
worker's peak memory and history events per enrolment (from S sampled workflows). Defaults:
N 50000, R 1000, W 1, S 50, timeout 3600 s; on a timeout the figures so far, finished: false.
--save-logs writes every engine process's output lines to FILE.`;

const PAIR_WINDOW_MS = 6_000;
const TEMPLATES = {
  welcome: 'drip_welcome',
  followUp: 'drip_follow_up',
  reminder: 'drip_reminder',
};

/** Three sends for a contact who never replies; a reply after the second ends it early. */
const definition = {
  steps: [
    {
      id: 'welcome',
      type: 'send',
      template: { name: TEMPLATES.welcome, language: 'en_US' },
    },
    { id: 'pause', type: 'wait', duration: { seconds: 2 } },
    { id: 'follow-up', type: 'send', template: { name: TEMPLATES.followUp, language: 'en_US' } },
    {
      id: 'await-reply',
      type: 'wait_for',
      event: 'reply',
      timeout: { seconds: 2 },
      next: 'done',
      timeoutNext: 'remind',
    },
    { id: 'remind', type: 'send', template: { name: TEMPLATES.reminder, language: 'en_US' } },
    { id: 'done', type: 'exit' },
  ],
  reentry: { policy: 'never' },
};
const SENDS_PER_ENROLMENT = 3;

interface SandboxMessage {
  to: string;
  acceptedAtMs: number;
  templateName?: string;
}

export async function dripBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      enrolments: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '1000' },
      'sandbox-limit': { type: 'string' },
      workers: { type: 'string', default: '1' },
      'history-sample': { type: 'string', default: '50' },
      timeout: { type: 'string', default: '3600' },
      'save-logs': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const settings = {
    enrolments: numberOption('enrolments', values.enrolments),
    rate: numberOption('rate', values.rate),
    sandboxLimit: numberOption('sandbox-limit', values['sandbox-limit'] ?? values.rate),
    workers: numberOption('workers', values.workers),
    historySample: numberOption('history-sample', values['history-sample'], 0),
    timeoutMs: numberOption('timeout', values.timeout) * 1000,
  };
  const figures = await withStack(
    {
      workers: settings.workers,
      sandbox: {
        SANDBOX_THROUGHPUT_PER_SECOND: String(settings.sandboxLimit),
        SANDBOX_STATUS_DELAYS_MS: '50,150,300',
      },
    },
    async (engine, dir) => {
      try {
        return await run(engine, dir, settings);
      } finally {
        if (values['save-logs']) await writeFile(values['save-logs'], engine.logs.join('\n'));
      }
    },
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function run(
  engine: Engine,
  dir: string,
  s: {
    enrolments: number;
    rate: number;
    sandboxLimit: number;
    historySample: number;
    timeoutMs: number;
  },
) {
  const api = await engineApi(engine);
  const started = Date.now();
  // The provider's pair rate: a second message to one number within 6 s is refused (131056).
  await engine.sandbox('/sandbox/config', {
    method: 'PUT',
    body: { pairRate: { enabled: true, windowMs: PAIR_WINDOW_MS } },
  });
  await api('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: s.rate });
  await template(api, TEMPLATES.welcome, ['first_name']);
  await template(api, TEMPLATES.followUp);
  await template(api, TEMPLATES.reminder);

  const file = path.join(dir, 'contacts.csv');
  await writeContactsCsv(file, s.enrolments);
  const imported = await importContacts(api, file, 'drip audience');
  log(
    `imported ${imported.report.created} contacts in ${imported.seconds.toFixed(1)} s ` +
      `(${imported.report.rejected} rejected)`,
  );

  const sequence = await api<{ id: string }>('POST', '/v1/sequences', {
    name: 'bench drip',
    definition,
  });
  const seq = sequence.id;
  await api('POST', `/v1/sequences/${seq}/publish`);
  const logsFrom = engine.logs.length;
  const cpuBefore = await cpuSnapshot(engine);

  log(`enrolling the list (${imported.report.created} contacts) in one call`);
  const enrolStarted = Date.now();
  const enrolled = await api<{ enrolled: number; notEnrolled: number; requested: number }>(
    'POST',
    `/v1/sequences/${seq}/enrolments`,
    { listId: imported.listId },
  );
  const enrolSeconds = (Date.now() - enrolStarted) / 1000;
  log(`enrolled ${enrolled.enrolled} in ${enrolSeconds.toFixed(1)} s`);

  const db = new pg.Client({ connectionString: engine.databaseUrl });
  await db.connect();
  try {
    const statusCounts = async () => {
      const res = await db.query<{ status: string; n: string }>(
        'select status, count(*) as n from enrolments where sequence_id = $1 group by 1',
        [seq],
      );
      return Object.fromEntries(res.rows.map((r) => [r.status, Number(r.n)]));
    };
    const bar = terminalProgress('drip');
    const deadline = enrolStarted + s.timeoutMs;
    const expectedSends = enrolled.enrolled * SENDS_PER_ENROLMENT;
    let statuses: Record<string, number> = {};
    let finished = false;
    let lastReport = 0;
    for (;;) {
      statuses = await statusCounts();
      const { accepted } = await engine.sandbox<{ accepted: number }>('/sandbox/stats');
      const elapsed = (Date.now() - enrolStarted) / 1000;
      bar.update(accepted, expectedSends, `${(accepted / elapsed).toFixed(0)} sends/s`);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        log(`${elapsed.toFixed(0)} s: ${accepted} sends, enrolments ${JSON.stringify(statuses)}`);
      }
      if (!statuses.active) {
        finished = true;
        break;
      }
      if (Date.now() > deadline) {
        log(`timed out after ${(s.timeoutMs / 1000).toFixed(0)} s: ${JSON.stringify(statuses)}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    bar.end();
    const wallSeconds = (Date.now() - enrolStarted) / 1000;
    const cpuAfter = await cpuSnapshot(engine);
    const rss = async (prefix: string) =>
      Math.max(
        0,
        ...(await Promise.all(
          engine
            .processes()
            .filter((p) => p.name.startsWith(prefix))
            .map(async (p) => (await peakRssMb(p.pid)) ?? 0),
        )),
      );

    const record = await engine.sandbox<{
      count: number;
      rejected: Record<string, number>;
      messages: SandboxMessage[];
    }>('/sandbox/messages');
    const times = record.messages.map((m) => m.acceptedAtMs);
    const [first, last] = extent(times);
    const sendingSeconds = times.length > 1 ? (last - first) / 1000 : 0;
    const pairs = pairGaps(record.messages);
    const perContact = sendsPerContact(record.messages, enrolled.enrolled);
    const exitReasons = await db.query<{ reason: string | null; n: string }>(
      `select exit_reason as reason, count(*) as n from enrolments
        where sequence_id = $1 and status <> 'active' group by 1 order by 2 desc limit 5`,
      [seq],
    );
    const ledger = await db.query<{ status: string; n: string }>(
      `select r.status, count(*) as n from recipients r
         join campaigns c on c.id = r.campaign_id
        where c.kind = 'sequence' group by 1`,
    );
    const sample = await db.query<{ workflow_id: string }>(
      'select workflow_id from enrolments where sequence_id = $1 order by random() limit $2',
      [seq, s.historySample],
    );
    const history = await historyEvents(
      engine.temporalAddress,
      sample.rows.map((r) => r.workflow_id),
    );
    const limits = await api<{ senders: { id: string; throttleEvents: number }[] }>(
      'GET',
      '/v1/rate-limits',
    );

    return {
      bench: 'drip',
      finished,
      enrolments: enrolled.enrolled,
      notEnrolled: enrolled.notEnrolled,
      statuses,
      exitReasons: Object.fromEntries(
        exitReasons.rows.map((r) => [r.reason ?? '(none)', Number(r.n)] as const),
      ),
      contactsImported: imported.report.created,
      importSeconds: round(imported.seconds, 1),
      enrolSeconds: round(enrolSeconds, 1),
      enrolmentsPerSec: round(enrolled.enrolled / enrolSeconds, 1),
      sends: record.count,
      expectedSends,
      sendsPerContact: perContact,
      ledger: Object.fromEntries(ledger.rows.map((r) => [r.status, Number(r.n)])),
      sendingSeconds: round(sendingSeconds, 1),
      sendsPerSec: sendingSeconds ? round(record.count / sendingSeconds, 1) : null,
      rate: s.rate,
      sandboxLimit: s.sandboxLimit,
      keys: {
        [`sender:${engine.sender}`]: {
          limit: s.rate,
          maxWindow: maxInWindow(times),
          sent: times.length,
        },
        pair: {
          windowMs: PAIR_WINDOW_MS,
          minGapMs: pairs.min,
          p50GapMs: pairs.p50,
          gapsUnderWindow: pairs.under,
          pairs: pairs.count,
        },
      },
      rejected131056: record.rejected['131056'] ?? 0,
      rejected130429: record.rejected['130429'] ?? 0,
      rejected: record.rejected,
      throttleEvents: limits.senders.find((x) => x.id === engine.sender)?.throttleEvents ?? 0,
      // From the enrol call until the last enrolment ended (or the timeout).
      wallSeconds: round(wallSeconds, 1),
      totalSeconds: round((Date.now() - started) / 1000, 1),
      historyEvents: history,
      workerPeakRssMb: await rss('worker'),
      apiPeakRssMb: await rss('api'),
      cpuSeconds: Object.fromEntries(
        Object.entries(cpuAfter)
          .map(([k, v]) => [k, round(v - (cpuBefore[k] ?? 0), 1)] as const)
          .filter(([, v]) => v > 0),
      ),
      engineLogs: logSummary(engine.logs, logsFrom),
    };
  } finally {
    await db.end();
  }
}

async function template(api: EngineApi, name: string, variables: string[] = []) {
  await api('POST', '/v1/templates', { name, language: 'en_US', category: 'MARKETING', variables });
}

/** Smallest and largest of a list too long to spread into Math.min. */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Gaps between consecutive messages to one number (the pair key), in ms. */
function pairGaps(messages: SandboxMessage[]) {
  const byNumber = new Map<string, number[]>();
  for (const m of messages) {
    const list = byNumber.get(m.to);
    if (list) list.push(m.acceptedAtMs);
    else byNumber.set(m.to, [m.acceptedAtMs]);
  }
  const gaps: number[] = [];
  for (const times of byNumber.values()) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  }
  const [min] = extent(gaps);
  return {
    count: gaps.length,
    min: gaps.length ? min : null,
    p50: percentile(gaps, 50),
    under: gaps.filter((g) => g < PAIR_WINDOW_MS).length,
  };
}

/** How many of the enrolled numbers got 0, 1, 2, 3… messages. */
function sendsPerContact(messages: SandboxMessage[], enrolled: number): Record<string, number> {
  const perNumber = new Map<string, number>();
  for (const m of messages) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
  const out: Record<string, number> = {};
  if (enrolled > perNumber.size) out[0] = enrolled - perNumber.size;
  for (const n of perNumber.values()) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** CPU seconds per process: the engine's own, and PostgreSQL's and Temporal's process trees. */
async function cpuSnapshot(engine: Engine): Promise<Record<string, number>> {
  const names = new Map(engine.processes().map((p) => [p.pid, p.name]));
  return cpuByChild(process.pid, ({ pid, comm }) => {
    if (names.has(pid)) return names.get(pid) as string;
    if (comm.startsWith('postgres')) return 'postgres';
    if (comm.startsWith('temporal')) return 'temporal';
    return comm;
  });
}

/** Events in the histories of the sampled enrolment workflows (their current runs). */
async function historyEvents(address: string, workflowIds: string[]) {
  if (!workflowIds.length) return { sampled: 0, mean: null, max: null };
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const counts: number[] = [];
    for (const id of workflowIds) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      counts.push(history.events?.length ?? 0);
    }
    return {
      sampled: counts.length,
      mean: round(counts.reduce((a, b) => a + b, 0) / counts.length, 1),
      max: Math.max(...counts),
      min: Math.min(...counts),
    };
  } finally {
    await connection.close();
  }
}
