import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { StatusCounts } from '#libs/domain';
import { testInfrastructure } from '#test/setup/test-settings';
import type { CampaignActivities, SendChunkResult } from './campaign.activities.js';
import type { campaignWorkflow } from './campaign.workflow.js';
import {
  campaignWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  statusDeltaSignal,
} from './campaign.definitions.js';
import { emptyCounts } from './status-counts.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));

/** In-memory stand-in for the activities: a campaign of `total` rows, sent `limit` at a time. */
function fakeCampaign(
  total: number,
  opts: { gate?: () => Promise<void>; fatalOnChunk?: number } = {},
) {
  const counts: StatusCounts = { ...emptyCounts(), pending: total };
  const calls = { chunks: 0, finished: [] as string[], statuses: [] as string[] };
  const activities: CampaignActivities = {
    beginCampaign: async () => ({ ...counts }),
    async sendChunk({ limit }): Promise<SendChunkResult> {
      calls.chunks += 1;
      await opts.gate?.();
      if (opts.fatalOnChunk === calls.chunks) {
        return {
          processed: 0,
          transitions: {},
          pending: counts.pending,
          nextAttemptAt: null,
          fatal: { action: 'fail', code: 132001, reason: 'template does not exist' },
        };
      }
      const n = Math.min(limit, counts.pending);
      counts.pending -= n;
      counts.delivered += n; // delivered at once, so the campaign settles without webhooks
      return {
        processed: n,
        transitions: { 'pending>delivered': n },
        pending: counts.pending,
        nextAttemptAt: null,
        fatal: null,
      };
    },
    countRecipients: async () => ({ ...counts }),
    setCampaignStatus: async ({ status }) => {
      calls.statuses.push(status);
    },
    finishCampaign: async ({ status }) => {
      calls.finished.push(status);
      if (status !== 'completed') {
        counts.cancelled += counts.pending;
        counts.pending = 0;
      }
      return { ...counts };
    },
  };
  return { activities, calls, counts };
}

describe('campaign workflow on the real Temporal server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // installed earlier in this Jest worker
    }
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: testInfrastructure().temporalAddress,
    });
  });

  afterAll(() => env?.teardown());

  async function withWorker<T>(
    activities: CampaignActivities,
    fn: (taskQueue: string) => Promise<T>,
  ) {
    const taskQueue = `wf-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities,
    });
    return worker.runUntil(fn(taskQueue));
  }

  const start = (taskQueue: string, campaignId = randomUUID()) =>
    env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      taskQueue,
      workflowId: campaignWorkflowId(campaignId),
      args: [{ version: 1, campaignId, tenantId: 't', chunkSize: 10, settleTimeoutMs: 60_000 }],
    });

  it('walks the audience chunk by chunk and completes with the final counts', async () => {
    const fake = fakeCampaign(35);
    const result = await withWorker(fake.activities, async (tq) => (await start(tq)).result());
    expect(fake.calls.chunks).toBe(4);
    expect(fake.calls.finished).toEqual(['completed']);
    expect(result).toMatchObject({ delivered: 35, pending: 0 });
  });

  it('pauses between chunks and resumes on signal', async () => {
    const chunkGate = gate();
    const fake = fakeCampaign(30, { gate: chunkGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await handle.signal(pauseSignal, { reason: 'operator' });
      chunkGate.open(); // let the chunk in flight finish
      await waitFor(async () => (await handle.query(progressQuery)).phase === 'paused');
      const chunksWhilePaused = fake.calls.chunks;
      await new Promise((r) => setTimeout(r, 500));
      expect(fake.calls.chunks).toBe(chunksWhilePaused);
      expect(fake.calls.statuses).toContain('paused');

      await handle.signal(resumeSignal);
      await handle.result();
      expect(fake.calls.finished).toEqual(['completed']);
    });
  });

  it('applies batched status deltas to its progress', async () => {
    const chunkGate = gate();
    const fake = fakeCampaign(5, { gate: chunkGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await handle.signal(statusDeltaSignal, { transitions: { 'pending>read': 2 } });
      await waitFor(async () => (await handle.query(progressQuery)).counts.read === 2);

      // The Temporal UI lists the operator signals with their descriptions.
      const metadata = await handle.query<{
        definition: { signalDefinitions: { name: string; description?: string }[] };
      }>('__temporal_workflow_metadata');
      const signals = Object.fromEntries(
        metadata.definition.signalDefinitions.map((d) => [d.name, d.description]),
      );
      expect(signals.pause).toMatch(/Stop sending/);
      expect(signals.resume).toMatch(/Resume/);
      chunkGate.open();
      await handle.result();
    });
  });

  it('on cancellation stops sending and marks the rest cancelled in a non-cancellable scope', async () => {
    const chunkGate = gate();
    const fake = fakeCampaign(50, { gate: chunkGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => fake.calls.chunks === 1);
      await handle.cancel();
      chunkGate.open();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
    expect(fake.calls.finished).toEqual(['cancelled']);
    expect(fake.counts.cancelled).toBeGreaterThan(0);
    expect(fake.calls.chunks).toBe(1);
  });

  it('fails the campaign at once on a campaign-fatal error', async () => {
    const fake = fakeCampaign(50, { fatalOnChunk: 2 });
    await withWorker(fake.activities, async (tq) => (await start(tq)).result());
    expect(fake.calls.finished).toEqual(['failed']);
    expect(fake.calls.chunks).toBe(2);
  });
});

/** Holds the stand-in sendChunk until opened; stays open afterwards. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
