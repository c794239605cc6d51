import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { loadConfig } from '#libs/config';
import type { CountsSnapshot, StatusCounts } from '#libs/domain';
import { projectRoot, startTemporalDevServer, type TemporalDevServer } from '#dev-stack';
import type { CampaignActivities, SendRecipientsResult } from '#workflows/campaign.activities';
import {
  campaignWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  setRateUpdate,
  type CampaignWorkflowInput,
} from '#workflows/campaign.definitions';
import type { campaignWorkflow } from '#workflows/campaign.workflow';
import type { DripActivities } from '#workflows/drip.activities';
import {
  dripEventSignal,
  dripStateQuery,
  dripWorkflowId,
  type DripWorkflowInput,
} from '#workflows/drip.definitions';
import type { dripWorkflow } from '#workflows/drip.workflow';
import type { SequenceRunnerActivities } from '#workflows/sequence-runner.activities';
import {
  runnerPauseSignal,
  runnerProgressQuery,
  runnerResumeSignal,
  runnerWakeSignal,
  sequenceRunnerId,
} from '#workflows/sequence-runner.definitions';
import type { sequenceRunner } from '#workflows/sequence-runner.workflow';
import { historyToJsonText } from './support/history-json.js';

/**
 * Records the workflow histories that `workflows/replay.spec.ts` replays against the current
 * workflow code, so that a change which would break running workflows fails a unit test.
 *
 *   npm run build && node dist/bench/record-histories.js [name ...]
 *
 * With no names it records every entry of `recordings` below; with names, only those. Each
 * finished workflow's history is written to `test/histories/<name>.json`, replacing the file.
 * The Temporal dev server comes from the dev stack (TEMPORAL_ADDRESS points at a running server
 * with the project's search attributes instead). The activities are in-memory stand-ins: a replay never runs activities, so only the
 * workflow's own decisions matter.
 *
 * Re-record a history only on purpose: one recorded by the old code is what shows that workflows
 * started before a deploy still replay after it. When a change is made safe with `patched()`,
 * keep the old files and record the new path under a new name (a new entry below).
 */

/** One history to record: a workflow run, from start to its end, with stand-in activities. */
interface Recording {
  /** File name in test/histories, without `.json`. */
  name: string;
  /** How the workflow must end for the history to be kept. */
  expect: 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'CONTINUED_AS_NEW';
  /** Fresh stand-in activities, and the client-side steps that take the workflow to its end. */
  prepare(): {
    activities: object;
    run(client: Client, taskQueue: string): Promise<WorkflowHandle>;
  };
}

// Adding a workflow type (or another scenario) is one more entry here.
const recordings: Recording[] = [
  {
    name: 'campaign-completed',
    expect: 'COMPLETED',
    prepare() {
      // The campaign's row shows up late, three send attempts, a rate cap set on the way.
      const fake = fakeCampaign(5, { perCall: 2, missingRowCalls: 1 });
      return {
        activities: fake.activities,
        async run(client, taskQueue) {
          const handle = await startCampaign(client, taskQueue);
          await handle.executeUpdate(setRateUpdate, { args: [{ ratePerSecond: 5 }] });
          fake.gate.open();
          await handle.result();
          return handle;
        },
      };
    },
  },
  {
    name: 'campaign-pause-resume',
    expect: 'COMPLETED',
    prepare() {
      // Paused while the first attempt is in flight (which is cancelled), then resumed.
      const fake = fakeCampaign(4, { perCall: 2 });
      return {
        activities: fake.activities,
        async run(client, taskQueue) {
          const handle = await startCampaign(client, taskQueue);
          await waitFor(() => Promise.resolve(fake.calls.send === 1));
          await handle.signal(pauseSignal, { reason: 'checking the copy', actor: 'ops' });
          await waitFor(async () => (await handle.query(progressQuery)).status === 'paused');
          fake.gate.open();
          await handle.signal(resumeSignal, { actor: 'ops' });
          await handle.result();
          return handle;
        },
      };
    },
  },
  {
    name: 'campaign-cancelled',
    expect: 'CANCELLED',
    prepare() {
      // Cancelled while the first attempt is in flight: the rest are marked cancelled.
      const fake = fakeCampaign(3, { perCall: 1 });
      return {
        activities: fake.activities,
        async run(client, taskQueue) {
          const handle = await startCampaign(client, taskQueue);
          await waitFor(() => Promise.resolve(fake.calls.send === 1));
          await handle.cancel();
          await handle.result().catch(() => undefined);
          return handle;
        },
      };
    },
  },
  {
    name: 'campaign-failed',
    expect: 'FAILED',
    prepare() {
      // The second attempt reports a campaign-fatal provider error.
      const fake = fakeCampaign(4, { perCall: 2, failOnCall: 2 });
      return {
        activities: fake.activities,
        async run(client, taskQueue) {
          const handle = await startCampaign(client, taskQueue);
          fake.gate.open();
          await handle.result().catch(() => undefined);
          return handle;
        },
      };
    },
  },
  // Welcome sent, a reply arrives during the wait, the thank-you goes, the journey ends.
  dripRecording('drip-replied', 'reply'),
  // No reply within the wait: the reminder goes instead.
  dripRecording('drip-timed-out', null),
  // STOP during the wait ends the enrolment at once.
  dripRecording('drip-opted-out', 'opt_out'),
  {
    // A sequence's runner: sends, sleeps until woken, is paused and resumed by an operator,
    // and continues as new when its run has taken its signals. The first run is kept.
    name: 'sequence-runner',
    expect: 'CONTINUED_AS_NEW',
    prepare() {
      const fake = fakeRunner();
      return {
        activities: fake.activities,
        async run(client, taskQueue) {
          const sequenceId = randomUUID();
          const handle = await client.workflow.start<typeof sequenceRunner>('sequenceRunner', {
            taskQueue,
            workflowId: sequenceRunnerId(sequenceId),
            args: [
              {
                sequenceId,
                workspaceId: 'recorded',
                unknownWindowMs: 60_000,
                maxSignalsPerRun: 5,
              },
            ],
          });
          const sends = async (n: number) => waitFor(() => Promise.resolve(fake.sends >= n));
          await sends(1);
          await handle.signal(runnerWakeSignal);
          await sends(2);
          await handle.signal(runnerPauseSignal, { reason: 'recorded', actor: 'ops' });
          await waitFor(async () => (await handle.query(runnerProgressQuery)).status === 'paused');
          await handle.signal(runnerResumeSignal, { actor: 'ops' });
          await handle.signal(runnerWakeSignal);
          await sends(3);
          await handle.signal(runnerWakeSignal);
          const first = client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
          await waitFor(async () => (await first.describe()).status.name === 'CONTINUED_AS_NEW');
          await client.workflow.getHandle(handle.workflowId).terminate('recorded');
          return first;
        },
      };
    },
  },
];

/** One enrolment of the drip below; `event` (if any) is signalled during its wait for a reply. */
function dripRecording(name: string, event: 'reply' | 'opt_out' | null): Recording {
  return {
    name,
    expect: 'COMPLETED',
    prepare() {
      return {
        activities: fakeDrip().activities,
        async run(client, taskQueue) {
          const handle = await startDrip(client, taskQueue);
          if (event) {
            await waitFor(async () => (await handle.query(dripStateQuery)).step === 'await-reply');
            await handle.signal(dripEventSignal, { kind: event, at: Date.now() });
          }
          await handle.result();
          return handle;
        },
      };
    },
  };
}

/** send → wait for a reply (2 s) → thank-you or reminder → exit. */
function startDrip(client: Client, taskQueue: string) {
  const sequenceId = randomUUID();
  const contactId = randomUUID();
  const template = (name: string) => ({ name, language: 'en_US' });
  const input: DripWorkflowInput = {
    workspaceId: 'recorded',
    sequenceId,
    contactId,
    version: 1,
    definition: {
      steps: [
        { id: 'welcome', type: 'send', template: template('welcome') },
        {
          id: 'await-reply',
          type: 'wait_for',
          event: 'reply',
          timeout: { seconds: 2 },
          next: 'thanks',
          timeoutNext: 'remind',
        },
        { id: 'thanks', type: 'send', template: template('thanks'), next: 'done' },
        { id: 'remind', type: 'send', template: template('reminder') },
        { id: 'done', type: 'exit' },
      ],
      reentry: { policy: 'never' },
    },
  };
  return client.workflow.start<typeof dripWorkflow>('dripWorkflow', {
    taskQueue,
    workflowId: dripWorkflowId(sequenceId, contactId),
    args: [input],
  });
}

/** Drip activities that send at once and record nothing. */
function fakeDrip() {
  let row = 0;
  const activities: DripActivities = {
    sendStep: () =>
      Promise.resolve({ kind: 'sent', rowId: ++row, content: 'template', sentAt: Date.now() }),
    localTime: () => Promise.resolve(Date.now() + 1_000),
    listen: () => Promise.resolve({ replied: false, read: false }),
    contactAttribute: () => Promise.resolve(null),
    finishEnrolment: () => Promise.resolve(),
    handOver: () => Promise.resolve(),
  };
  return { activities };
}

/** The runner's activities: each send attempt sends one message and finds nothing more due. */
function fakeRunner() {
  let sends = 0;
  const snapshot = () => ({
    version: sends + 1,
    counts: {
      pending: 0,
      sending: 0,
      unknown: 0,
      sent: sends,
      delivered: 0,
      read: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
    },
    byCountry: {},
  });
  const activities: Pick<CampaignActivities, 'sendRecipients' | 'expireUnknown'> &
    SequenceRunnerActivities = {
    sendRecipients: () => {
      sends += 1;
      return Promise.resolve({
        snapshot: snapshot(),
        stop: 'done',
        resumeAt: null,
        fatal: null,
        interrupted: { toPending: 0, toUnknown: 0 },
        sent: 1,
      });
    },
    expireUnknown: () => Promise.resolve({ snapshot: snapshot(), nextExpiryAt: null }),
    setSequencePaused: () => Promise.resolve(),
    sequenceProgress: () =>
      Promise.resolve({ byStatus: { active: 1 }, byStep: { welcome: 1 }, byPhase: { waiting: 1 } }),
    runEnrolmentJobs: () => Promise.resolve({ more: false, enrolled: 0 }),
  };
  return {
    activities,
    get sends() {
      return sends;
    },
  };
}

function startCampaign(client: Client, taskQueue: string) {
  const campaignId = randomUUID();
  const input: CampaignWorkflowInput = {
    version: 1,
    campaignId,
    workspaceId: 'recorded',
    settleTimeoutMs: 60_000,
    unknownWindowMs: 60_000,
    maxSignalsPerRun: 1_000,
  };
  return client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
    taskQueue,
    workflowId: campaignWorkflowId(campaignId),
    args: [input],
  });
}

/**
 * In-memory campaign of `total` recipients, `perCall` delivered by each send attempt. Send
 * attempts wait (heartbeating) until `gate.open()`, so a test step can land while one is in flight.
 */
function fakeCampaign(
  total: number,
  opts: { perCall: number; missingRowCalls?: number; failOnCall?: number },
) {
  const counts: StatusCounts = {
    pending: total,
    sending: 0,
    unknown: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  let version = 1;
  const snapshot = (): CountsSnapshot => ({ version, counts: { ...counts }, byCountry: {} });
  const move = (from: keyof StatusCounts, to: keyof StatusCounts, n: number) => {
    counts[from] -= n;
    counts[to] += n;
    version += 1;
  };
  const gate = opener();
  const calls = { begin: 0, send: 0 };
  const activities: CampaignActivities = {
    beginCampaign() {
      calls.begin += 1;
      return calls.begin <= (opts.missingRowCalls ?? 0)
        ? Promise.reject(new Error('campaign is not stored yet'))
        : Promise.resolve(snapshot());
    },
    async sendRecipients(): Promise<SendRecipientsResult> {
      calls.send += 1;
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 50);
      try {
        await Promise.race([gate.opened, ctx.cancelled]);
      } finally {
        clearInterval(beat);
      }
      const result = { resumeAt: null, interrupted: { toPending: 0, toUnknown: 0 } };
      if (calls.send === opts.failOnCall) {
        const fatal = { action: 'fail' as const, code: 132001, reason: 'template does not exist' };
        return { ...result, snapshot: snapshot(), stop: 'fatal', fatal, sent: 0 };
      }
      const n = Math.min(opts.perCall, counts.pending);
      move('pending', 'delivered', n);
      const stop = counts.pending === 0 ? 'done' : 'budget';
      return { ...result, snapshot: snapshot(), stop, fatal: null, sent: n };
    },
    expireUnknown: () => Promise.resolve({ snapshot: snapshot(), nextExpiryAt: null }),
    readCounts: () => Promise.resolve(snapshot()),
    setCampaignStatus: () => Promise.resolve(),
    setCampaignRate: () => Promise.resolve(),
    requeueFailed: () => Promise.resolve({ requeued: 0, snapshot: snapshot() }),
    finishCampaign({ status }) {
      if (status !== 'completed') move('pending', 'cancelled', counts.pending);
      return Promise.resolve(snapshot());
    },
  };
  return { activities, calls, gate };
}

function opener() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const log = (line: string) => process.stderr.write(`[record-histories] ${line}\n`);

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !recordings.some((r) => r.name === n));
  if (unknown.length) {
    throw new Error(
      `no recording named ${unknown.join(', ')}; known: ${recordings.map((r) => r.name).join(', ')}`,
    );
  }
  const selected = names.length ? recordings.filter((r) => names.includes(r.name)) : recordings;
  const settings = loadConfig(z.object({ TEMPORAL_ADDRESS: z.string().optional() }));
  const outDir = path.join(projectRoot, 'test/histories');
  const workflowsPath = fileURLToPath(import.meta.resolve('#workflows/index'));

  // The scenarios fail activities and workflows on purpose; only real errors are shown.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  let server: TemporalDevServer | undefined;
  try {
    if (!settings.TEMPORAL_ADDRESS) {
      log('starting the Temporal dev server');
      server = await startTemporalDevServer({ log });
    }
    const address = settings.TEMPORAL_ADDRESS ?? server!.address;
    const client = new Client({ connection: await Connection.connect({ address }) });
    const connection = await NativeConnection.connect({ address });
    try {
      await mkdir(outDir, { recursive: true });
      for (const recording of selected) {
        const { activities, ...steps } = recording.prepare();
        const taskQueue = `record-${recording.name}-${randomUUID()}`;
        const worker = await Worker.create({
          connection,
          taskQueue,
          workflowsPath,
          activities,
          maxHeartbeatThrottleInterval: '50 milliseconds',
        });
        const handle = await worker.runUntil(steps.run(client, taskQueue));
        // The run that ended as expected: the last one, or the run the recording returned.
        const latest =
          recording.expect === 'CONTINUED_AS_NEW'
            ? handle
            : client.workflow.getHandle(handle.workflowId);
        const status = (await latest.describe()).status.name;
        if (status !== recording.expect) {
          throw new Error(`${recording.name} ended ${status}, expected ${recording.expect}`);
        }
        const history = await latest.fetchHistory();
        const file = path.join(outDir, `${recording.name}.json`);
        // Formatted as `npm run format:check` expects.
        const options = { ...(await resolveConfig(file)), filepath: file };
        await writeFile(file, await format(historyToJsonText(history), options));
        log(`${recording.name}: ${status}, ${history.events?.length} events -> ${file}`);
      }
    } finally {
      await connection.close();
      await client.connection.close();
    }
  } finally {
    await server?.stop();
    await Runtime.instance().shutdown();
  }
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
}
