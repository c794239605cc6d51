import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { terminalProgress, type Engine } from '#dev-stack';
import { importContacts, writeContactsCsv } from './support/contacts-csv.js';
import { engineApi, type EngineApi } from './support/engine-api.js';
import { numbersOf } from './support/audience.js';
import { logSummary } from './support/engine-logs.js';
import { cpuByChild, peakRssMb } from './support/proc.js';
import { sharesWhileSharing } from './support/shares.js';
import { benchLog as log, numberOption, round, withStack } from './support/stack.js';
import { extent, maxInWindow, percentile } from './support/windows.js';

const USAGE = `npm run bench -- drip [--enrolments N] [--rate R] [--sandbox-limit L] [--workers W]
    [--first-wait] [--with-campaign M] [--timeout SECONDS] [--save-logs FILE]

Imports N contacts into a list, enrols the list in a three-send sequence (send, wait 2 s, send,
wait 2 s for a reply, send a reminder on the timeout) from a sender limited to R msg/s (the
sandbox accepts L, default R, and refuses a second message to one number within 6 s), waits
until every enrolment has ended, and prints one JSON line counted from the sandbox's record,
PostgreSQL and Temporal: enrolments/s of the enrolment job, sends and sends/s, the busiest
second of the sender key, the shortest gap between two messages to one number, 131056 and
130429 refusals, the peak memory of the worker and the API, CPU seconds per process, history
events per 1,000 messages over every execution of the sequence's runner, and Temporal Cloud
actions per enrolment (counted from those histories; heartbeats estimated from the activities'
running time at one per 200 ms). --first-wait makes the first step a one-day wait: the figures
are then the enrolment's own (contacts/s enrolled, until each waits), and nothing is sent.
--with-campaign launches a campaign of M other recipients (German numbers) on the same sender
the moment the list is enrolled: the figures then add the sender's busiest second against its
limit and each one's share of the sends while both had work.
Defaults: N 50000, R 1000, W 1, timeout 3600 s; on a timeout the figures so far, finished: false.
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

/** Enrolment throughput alone: a one-day wait before anything is sent. */
const waitFirst = {
  steps: [
    { id: 'tomorrow', type: 'wait', duration: { days: 1 } },
    { id: 'welcome', type: 'send', template: { name: TEMPLATES.welcome, language: 'en_US' } },
  ],
  reentry: { policy: 'never' },
};

/** How often the worker heartbeats a running send activity (maxHeartbeatThrottleInterval). */
const HEARTBEAT_MS = 200;

interface SandboxMessage {
  to: string;
  acceptedAtMs: number;
  templateName?: string;
  callbackData?: string;
}

const CAMPAIGN_TEMPLATE = 'bench_beside_drip';
const FINAL = ['completed', 'failed', 'cancelled'];

export async function dripBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      enrolments: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '1000' },
      'sandbox-limit': { type: 'string' },
      workers: { type: 'string', default: '1' },
      'first-wait': { type: 'boolean', default: false },
      'with-campaign': { type: 'string', default: '0' },
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
    firstWait: values['first-wait'] ?? false,
    campaignRecipients: numberOption('with-campaign', values['with-campaign'], 0),
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
    firstWait: boolean;
    campaignRecipients: number;
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
    definition: s.firstWait ? waitFirst : definition,
  });
  const seq = sequence.id;
  await api('POST', `/v1/sequences/${seq}/publish`);
  const beside = s.campaignRecipients ? await campaignAudience(api, s.campaignRecipients) : null;
  const logsFrom = engine.logs.length;
  const cpuBefore = await cpuSnapshot(engine);

  log(`enrolling the list (${imported.report.created} contacts): one job`);
  const enrolStarted = Date.now();
  const answer = await api<{ job: { id: string } }>('POST', `/v1/sequences/${seq}/enrolments`, {
    listId: imported.listId,
  });
  const answerSeconds = (Date.now() - enrolStarted) / 1000;
  const campaign = beside
    ? await api<{ id: string }>('POST', '/v1/campaigns', {
        name: 'bench campaign beside the drip',
        template: { name: CAMPAIGN_TEMPLATE, language: 'en_US' },
        audienceId: beside.audienceId,
      })
    : null;

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
    const job = async () =>
      api<{ status: string; enrolled: number; notEnrolled: number; processed: number }>(
        'GET',
        `/v1/sequences/${seq}/enrolment-jobs/${answer.job.id}`,
      );
    let enrolled = await job();
    while (enrolled.status === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      enrolled = await job();
    }
    const enrolSeconds = (Date.now() - enrolStarted) / 1000;
    log(`enrolled ${enrolled.enrolled} in ${enrolSeconds.toFixed(1)} s (job ${enrolled.status})`);
    if (s.firstWait) {
      return await firstWaitFigures(engine, api, db, seq, {
        enrolled,
        enrolStarted,
        enrolSeconds,
        answerSeconds,
        cpuBefore,
        logsFrom,
        timeoutMs: s.timeoutMs,
      });
    }
    const bar = terminalProgress('drip');
    const deadline = enrolStarted + s.timeoutMs;
    const expectedSends = enrolled.enrolled * SENDS_PER_ENROLMENT + s.campaignRecipients;
    const campaignStatus = async () =>
      campaign
        ? (await api<{ status: string }>('GET', `/v1/campaigns/${campaign.id}`)).status
        : 'completed';
    let campaignState = await campaignStatus();
    let statuses: Record<string, number> = {};
    let finished = false;
    let lastReport = 0;
    for (;;) {
      statuses = await statusCounts();
      campaignState = await campaignStatus();
      const { accepted } = await engine.sandbox<{ accepted: number }>('/sandbox/stats');
      const elapsed = (Date.now() - enrolStarted) / 1000;
      bar.update(accepted, expectedSends, `${(accepted / elapsed).toFixed(0)} sends/s`);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        log(`${elapsed.toFixed(0)} s: ${accepted} sends, enrolments ${JSON.stringify(statuses)}`);
      }
      if (!statuses.active && FINAL.includes(campaignState)) {
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
    const dripMessages = campaign
      ? record.messages.filter((m) => m.templateName !== CAMPAIGN_TEMPLATE)
      : record.messages;
    const dripTimes = dripMessages.map((m) => m.acceptedAtMs);
    const [first, last] = extent(times);
    const sendingSeconds = times.length > 1 ? (last - first) / 1000 : 0;
    const pairs = pairGaps(record.messages);
    const perContact = sendsPerContact(dripMessages, enrolled.enrolled);
    const besideCampaign =
      campaign && beside
        ? await besideFigures(engine, campaign.id, seq, beside.recipients, record.messages, s.rate)
        : undefined;
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
    const history = await runnerHistory(engine.temporalAddress, seq);
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
      enrolAnswerSeconds: round(answerSeconds, 2),
      enrolSeconds: round(enrolSeconds, 1),
      enrolmentsPerSec: round(enrolled.enrolled / enrolSeconds, 1),
      sends: record.count,
      expectedSends,
      sendsPerContact: perContact,
      ledger: Object.fromEntries(ledger.rows.map((r) => [r.status, Number(r.n)])),
      sendingSeconds: round(sendingSeconds, 1),
      sendsPerSec: sendingSeconds ? round(record.count / sendingSeconds, 1) : null,
      dripSends: dripTimes.length,
      campaign: besideCampaign && { ...besideCampaign, status: campaignState },
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
      historyEvents: history.events,
      workflowRuns: history.runs,
      historyEventsPer1000: dripTimes.length
        ? round((history.events / dripTimes.length) * 1000, 1)
        : null,
      temporalActions: history.actions,
      temporalActionsPerEnrolment: enrolled.enrolled
        ? round(history.actions.total / enrolled.enrolled, 4)
        : null,
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

/** The campaign's audience beside the drip: German numbers, so none is a drip contact. */
async function campaignAudience(api: EngineApi, recipients: number) {
  await template(api, CAMPAIGN_TEMPLATE);
  const lines = function* () {
    for (const phone of numbersOf('DE', recipients)) yield `${JSON.stringify({ phone })}\n`;
  };
  const upload = await api.upload<{ id: string }>(
    '/v1/audiences?name=beside-drip',
    Readable.from(lines()),
    'application/x-ndjson',
  );
  return { audienceId: upload.id, recipients };
}

/** The campaign beside the drip: what it got, and how the one sender was shared. */
async function besideFigures(
  engine: Engine,
  campaignId: string,
  sequenceId: string,
  recipients: number,
  messages: SandboxMessage[],
  limit: number,
) {
  const mine = messages.filter((m) => m.templateName === CAMPAIGN_TEMPLATE);
  const distinct = new Set(mine.map((m) => m.to)).size;
  const shares = await sharesWhileSharing(engine.databaseUrl, [campaignId, sequenceId], messages);
  return {
    recipients,
    sent: mine.length,
    lost: recipients - distinct,
    duplicates: mine.length - distinct,
    sender: { limit, maxWindow: maxInWindow(messages.map((m) => m.acceptedAtMs)) },
    // While both had work: [campaign, drip].
    sharesWhileBoth: shares?.each ?? null,
    minShareWhileBoth: shares?.min ?? null,
    secondsBoth: shares?.seconds ?? null,
  };
}

async function template(api: EngineApi, name: string, variables: string[] = []) {
  await api('POST', '/v1/templates', { name, language: 'en_US', category: 'MARKETING', variables });
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

/**
 * History events Temporal Cloud bills as actions (docs.temporal.io/cloud/actions), by the
 * attributes each carries: starts (continue-as-new included), activities, timers, signals, local
 * activities (markers), search-attribute upserts and updates.
 */
const BILLED = [
  'workflowExecutionStartedEventAttributes',
  'activityTaskScheduledEventAttributes',
  'timerStartedEventAttributes',
  'workflowExecutionSignaledEventAttributes',
  'markerRecordedEventAttributes',
  'upsertWorkflowSearchAttributesEventAttributes',
  'workflowExecutionUpdateAcceptedEventAttributes',
] as const;

/**
 * Every execution of the sequence's runner (each continue-as-new run): their history events,
 * and the Temporal Cloud actions they bill: the billed event types, retried activity attempts,
 * and one heartbeat per 200 ms of each activity's running time (heartbeats leave no event).
 */
async function runnerHistory(address: string, sequenceId: string) {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    let runs = 0;
    let events = 0;
    const actions: Record<string, number> = { heartbeats: 0, retries: 0 };
    for await (const run of client.workflow.list({
      query: `WorkflowId = "sequence-${sequenceId}"`,
    })) {
      runs += 1;
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const started = new Map<string, number>();
      for (const e of history.events ?? []) {
        events += 1;
        for (const key of BILLED) {
          if (e[key])
            actions[key.replace('EventAttributes', '')] =
              (actions[key.replace('EventAttributes', '')] ?? 0) + 1;
        }
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
        if (e.activityTaskStartedEventAttributes) {
          const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
          if (attempt > 1) actions.retries += attempt - 1;
          started.set(String(e.activityTaskStartedEventAttributes?.scheduledEventId), at);
        }
        const closed =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskCanceledEventAttributes ??
          e.activityTaskTimedOutEventAttributes;
        const from = closed && started.get(String(closed.scheduledEventId));
        if (from !== undefined && from !== null) {
          actions.heartbeats += Math.floor((at - from) / HEARTBEAT_MS);
        }
      }
    }
    const total = Object.values(actions).reduce((a, b) => a + b, 0);
    return { runs, events, actions: { ...actions, total } };
  } finally {
    await connection.close();
  }
}

/** The enrolment figures of --first-wait: contacts/s enrolled and advanced, nothing sent. */
async function firstWaitFigures(
  engine: Engine,
  api: EngineApi,
  db: pg.Client,
  seq: string,
  f: {
    enrolled: { enrolled: number; notEnrolled: number; status: string };
    enrolStarted: number;
    enrolSeconds: number;
    answerSeconds: number;
    cpuBefore: Record<string, number>;
    logsFrom: number;
    timeoutMs: number;
  },
) {
  // Every enrolment has entered its first step (the wait) once none is due any more.
  let waiting: number;
  const deadline = f.enrolStarted + f.timeoutMs;
  for (;;) {
    const res = await db.query<{ waiting: string; due: string }>(
      `select count(*) filter (where phase = 'waiting') as waiting,
              count(*) filter (where due_at <= now()) as due
       from enrolments where sequence_id = $1 and status = 'active'`,
      [seq],
    );
    waiting = Number(res.rows[0].waiting);
    if (waiting >= f.enrolled.enrolled || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const advancedSeconds = (Date.now() - f.enrolStarted) / 1000;
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
  const { accepted } = await engine.sandbox<{ accepted: number }>('/sandbox/stats');
  const history = await runnerHistory(engine.temporalAddress, seq);
  return {
    bench: 'drip',
    mode: 'first-wait',
    finished: waiting >= f.enrolled.enrolled,
    job: f.enrolled.status,
    enrolments: f.enrolled.enrolled,
    notEnrolled: f.enrolled.notEnrolled,
    enrolAnswerSeconds: round(f.answerSeconds, 2),
    enrolSeconds: round(f.enrolSeconds, 1),
    enrolmentsPerSec: round(f.enrolled.enrolled / f.enrolSeconds, 1),
    waiting,
    advancedSeconds: round(advancedSeconds, 1),
    advancedPerSec: round(waiting / advancedSeconds, 1),
    sends: accepted,
    historyEvents: history.events,
    workflowRuns: history.runs,
    temporalActions: history.actions,
    temporalActionsPerEnrolment: f.enrolled.enrolled
      ? round(history.actions.total / f.enrolled.enrolled, 4)
      : null,
    workerPeakRssMb: await rss('worker'),
    apiPeakRssMb: await rss('api'),
    cpuSeconds: Object.fromEntries(
      Object.entries(cpuAfter)
        .map(([k, v]) => [k, round(v - (f.cpuBefore[k] ?? 0), 1)] as const)
        .filter(([, v]) => v > 0),
    ),
    engineLogs: logSummary(engine.logs, f.logsFrom),
  };
}
