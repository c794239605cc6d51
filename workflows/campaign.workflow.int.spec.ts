import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import {
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import type { CountsSnapshot, StatusCounts } from '#libs/domain';
import { CampaignLifecycle } from '#libs/temporal';
import { workflowServer } from '#test/support/workflow-server';
import type { CampaignActivities, SendRecipientsResult, SendStop } from './campaign.activities.js';
import {
  campaignStatusKey,
  campaignWorkflowId,
  countsChangedSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  retryFailedUpdate,
  setRateUpdate,
  type CampaignWorkflowInput,
} from './campaign.definitions.js';
import type { campaignWorkflow } from './campaign.workflow.js';

const emptyCounts = (): StatusCounts => ({
  pending: 0,
  sending: 0,
  unknown: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
});

/**
 * In-memory stand-in for the activities: a campaign of `total` recipients, `perCall` sent by
 * each send attempt. Sent rows stay `sent` (awaiting a status) unless `deliverAtOnce`; the test
 * then moves them with `deliver()`, as webhooks would.
 */
function fakeCampaign(
  total: number,
  opts: {
    perCall?: number;
    deliverAtOnce?: boolean;
    /** Each send attempt waits for this before sending (while heartbeating). */
    gate?: () => Promise<void>;
    fatalOnCall?: { call: number; stop: SendStop };
    missingRowCalls?: number;
    /** requeueFailed waits for this before it answers. */
    requeueGate?: () => Promise<void>;
  } = {},
) {
  const counts = { ...emptyCounts(), pending: total };
  let version = 1;
  const snapshot = (): CountsSnapshot => ({ version, counts: { ...counts }, byCountry: {} });
  const move = (from: keyof StatusCounts, to: keyof StatusCounts, n: number) => {
    counts[from] -= n;
    counts[to] += n;
    version += 1;
  };
  /** What the campaign's row says once it has closed, as PostgreSQL would. */
  let closed: 'completed' | 'failed' | 'cancelled' | null = null;
  const calls = {
    begin: 0,
    send: 0,
    cancelledSends: 0,
    statuses: [] as string[],
    finished: [] as string[],
    rates: [] as (number | null)[],
    requeues: 0,
  };
  const activities: CampaignActivities = {
    async beginCampaign() {
      calls.begin += 1;
      if (calls.begin <= (opts.missingRowCalls ?? 0)) throw new Error('campaign is not stored yet');
      return snapshot();
    },
    async sendRecipients(): Promise<SendRecipientsResult> {
      calls.send += 1;
      const ctx = Context.current();
      if (opts.gate) {
        const beat = setInterval(() => ctx.heartbeat(), 50);
        try {
          await Promise.race([opts.gate(), ctx.cancelled]);
        } catch (err) {
          calls.cancelledSends += 1;
          throw err;
        } finally {
          clearInterval(beat);
        }
      }
      if (closed) {
        // The claim needs a running campaign: a closed one loses every attempt.
        return {
          snapshot: snapshot(),
          stop: 'lost',
          resumeAt: null,
          fatal: null,
          interrupted: { toPending: 0, toUnknown: 0 },
          sent: 0,
          closed,
        };
      }
      if (opts.fatalOnCall?.call === calls.send) {
        return {
          snapshot: snapshot(),
          stop: 'fatal',
          resumeAt: null,
          fatal: opts.fatalOnCall.stop,
          interrupted: { toPending: 0, toUnknown: 0 },
          sent: 0,
        };
      }
      const n = Math.min(opts.perCall ?? total, counts.pending);
      move('pending', opts.deliverAtOnce === false ? 'sent' : 'delivered', n);
      return {
        snapshot: snapshot(),
        stop: counts.pending === 0 ? 'done' : 'budget',
        resumeAt: null,
        fatal: null,
        interrupted: { toPending: 0, toUnknown: 0 },
        sent: n,
      };
    },
    expireUnknown: async () => ({ snapshot: snapshot(), nextExpiryAt: null }),
    readCounts: async () => snapshot(),
    async setCampaignStatus({ status }) {
      calls.statuses.push(status);
    },
    async setCampaignRate({ ratePerSecond }) {
      calls.rates.push(ratePerSecond);
    },
    async requeueFailed() {
      calls.requeues += 1;
      await opts.requeueGate?.();
      const n = counts.failed;
      move('failed', 'pending', n);
      if (n > 0) closed = null;
      return { requeued: n, snapshot: snapshot() };
    },
    async finishCampaign({ status }) {
      calls.finished.push(status);
      closed = status;
      if (status !== 'completed') move('pending', 'cancelled', counts.pending);
      return snapshot();
    },
  };
  return {
    activities,
    calls,
    counts,
    snapshot,
    deliver: (n = counts.sent) => move('sent', 'delivered', n),
    fail: (n: number) => move('delivered', 'failed', n),
  };
}

describe('campaign workflow on the real Temporal server', () => {
  const server = workflowServer();
  const withWorker = <T>(activities: CampaignActivities, fn: (taskQueue: string) => Promise<T>) =>
    server.withWorker(activities, fn, { maxHeartbeatThrottleInterval: '50 milliseconds' });

  const input = (campaignId: string, extra: Partial<CampaignWorkflowInput> = {}) => ({
    version: 1 as const,
    campaignId,
    workspaceId: 't',
    settleTimeoutMs: 60_000,
    unknownWindowMs: 60_000,
    maxSignalsPerRun: 1_000,
    ...extra,
  });
  const start = (taskQueue: string, extra: Partial<CampaignWorkflowInput> = {}) => {
    const campaignId = randomUUID();
    return server.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      taskQueue,
      workflowId: campaignWorkflowId(campaignId),
      args: [input(campaignId, extra)],
    });
  };
  /** Every run of a workflow id, oldest first (continue-as-new makes several). */
  const runsOf = async (workflowId: string) => {
    const runs: string[] = [];
    for await (const wf of server.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      runs.push(wf.runId);
    }
    return runs;
  };
  const progress = (handle: WorkflowHandle) => handle.query(progressQuery);

  it('waits for its campaign row, sends everything, and completes with the final counts', async () => {
    const fake = fakeCampaign(35, { perCall: 10, missingRowCalls: 2 });
    const result = await withWorker(fake.activities, async (tq) => (await start(tq)).result());
    expect(fake.calls.begin).toBe(3);
    expect(fake.calls.send).toBe(4);
    expect(fake.calls.finished).toEqual(['completed']);
    expect(result.counts).toMatchObject({ delivered: 35, pending: 0 });
  });

  it('stops a send in progress on pause, holds, and resumes where it stopped', async () => {
    const sendGate = gate();
    const fake = fakeCampaign(30, { perCall: 10, gate: sendGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => fake.calls.send === 1);
      await handle.signal(pauseSignal, { reason: 'checking the copy', actor: 'ops@example.com' });
      // The attempt in flight is cancelled without the gate ever opening.
      await waitFor(async () => fake.calls.cancelledSends === 1, 5_000);
      await waitFor(async () => (await progress(handle)).status === 'paused');
      expect(await progress(handle)).toMatchObject({
        reason: 'checking the copy',
        actor: 'ops@example.com',
      });
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(campaignStatusKey)).toBe('paused');
      expect(fake.calls.statuses).toContain('paused');

      sendGate.open();
      await new Promise((r) => setTimeout(r, 500));
      expect(fake.calls.send).toBe(1);
      await handle.signal(resumeSignal, { actor: 'ops@example.com' });
      const result = await handle.result();
      expect(result.counts.delivered).toBe(30);
      expect(fake.calls.finished).toEqual(['completed']);
    });
  });

  it('on cancellation marks the rest cancelled, closes as cancelled and still answers progress', async () => {
    const sendGate = gate();
    const fake = fakeCampaign(50, { perCall: 10, gate: sendGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => fake.calls.send === 1);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      const after = await progress(handle);
      expect(after).toMatchObject({ status: 'cancelled', phase: 'closed' });
      expect(after.counts.cancelled).toBe(50);
    });
    expect(fake.calls.finished).toEqual(['cancelled']);
  });

  it('closes as FAILED with the reason on a campaign-fatal error', async () => {
    const fake = fakeCampaign(50, {
      perCall: 10,
      fatalOnCall: {
        call: 2,
        stop: { action: 'fail', code: 132001, reason: 'template does not exist' },
      },
    });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('FAILED');
      expect(await progress(handle)).toMatchObject({
        status: 'failed',
        reason: 'template does not exist',
      });
    });
    expect(fake.calls.finished).toEqual(['failed']);
  });

  it('keeps a campaign-fatal pause and its reason until an operator resumes', async () => {
    const fake = fakeCampaign(20, {
      perCall: 10,
      fatalOnCall: {
        call: 1,
        stop: { action: 'pause', code: 132016, reason: 'template disabled' },
      },
    });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => (await progress(handle)).status === 'paused');
      await new Promise((r) => setTimeout(r, 300));
      expect(await progress(handle)).toMatchObject({
        status: 'paused',
        reason: 'template disabled',
        actor: 'engine',
      });
      await handle.signal(resumeSignal, { reason: 'template fixed' });
      await handle.result();
    });
    expect(fake.calls.send).toBe(3);
  });

  it("resumes a template's pause only for that template, and never once an operator has paused it too", async () => {
    const sendGate = gate();
    const fake = fakeCampaign(20, { perCall: 10, gate: sendGate.wait });
    const actor = 'template:spring_sale:en_US';
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => fake.calls.send === 1);
      await handle.signal(pauseSignal, { reason: 'Meta paused template spring_sale', actor });
      await waitFor(async () => (await progress(handle)).status === 'paused');
      sendGate.open();
      // Another template's approval, and a plain resume naming another actor, change nothing.
      await handle.signal(resumeSignal, {
        actor: 'template:other:en_US',
        ifPausedBy: 'template:other:en_US',
      });
      await handle.signal(pauseSignal, { reason: 'copy check', actor: 'ops@example.com' });
      await handle.signal(resumeSignal, { actor, ifPausedBy: actor });
      await new Promise((r) => setTimeout(r, 500));
      expect(await progress(handle)).toMatchObject({
        status: 'paused',
        reason: 'copy check',
        actor: 'ops@example.com',
      });
      expect(fake.calls.send).toBe(1);
      await handle.signal(resumeSignal, { actor: 'ops@example.com' });
      const result = await handle.result();
      expect(result.counts.delivered).toBe(20);
    });
  });

  it('resumes a pause its template made when that template is approved again', async () => {
    const fake = fakeCampaign(20, {
      perCall: 10,
      fatalOnCall: {
        call: 1,
        stop: {
          action: 'pause',
          code: 132015,
          reason: 'template spring_sale (en_US) refused: paused',
          actor: 'template:spring_sale:en_US',
        },
      },
    });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => (await progress(handle)).actor === 'template:spring_sale:en_US');
      await handle.signal(resumeSignal, {
        actor: 'template:spring_sale:en_US',
        ifPausedBy: 'template:spring_sale:en_US',
      });
      await handle.result();
    });
    expect(fake.calls.finished).toEqual(['completed']);
  });

  it('takes counts from signals only when they are newer than what it holds', async () => {
    const sendGate = gate();
    const fake = fakeCampaign(5, { gate: sendGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      const counts = { ...emptyCounts(), read: 3, pending: 2 };
      await handle.signal(countsChangedSignal, {
        snapshot: { version: 50, counts, byCountry: {} },
      });
      await handle.signal(countsChangedSignal, {
        snapshot: { version: 40, counts: { ...counts, read: 1 }, byCountry: {} },
      });
      await waitFor(async () => (await progress(handle)).countsVersion === 50);
      expect((await progress(handle)).counts.read).toBe(3);
      sendGate.open();
      await handle.result();
    });
  });

  it('validates setRate before it reaches history, and applies a valid rate', async () => {
    const sendGate = gate();
    const fake = fakeCampaign(5, { gate: sendGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      for (const bad of [-1, 0, 'fast', 1e9]) {
        await expect(
          handle.executeUpdate(setRateUpdate, { args: [{ ratePerSecond: bad as number }] }),
        ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      }
      await expect(
        handle.executeUpdate(setRateUpdate, { args: [{ ratePerSecond: 25 }] }),
      ).resolves.toEqual({ ratePerSecond: 25 });
      sendGate.open();
      await handle.result();
      const history = await handle.fetchHistory();
      const accepted = history.events?.filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      );
      expect(accepted).toHaveLength(1);
    });
    expect(fake.calls.rates).toEqual([25]);
  });

  it('continues as new in the sending and the settling phase with its state intact', async () => {
    const sendGate = gate();
    const fake = fakeCampaign(40, { perCall: 10, deliverAtOnce: false, gate: sendGate.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq, { maxSignalsPerRun: 8 });
      const signalCounts = async (n: number) => {
        for (let i = 0; i < n; i++) {
          await handle.signal(countsChangedSignal, { snapshot: fake.snapshot() });
        }
      };
      // Sending: signals pile up while an attempt is in flight; the next turn rolls over.
      await waitFor(async () => fake.calls.send === 1);
      await signalCounts(10);
      sendGate.open();
      await waitFor(async () => (await progress(handle)).phase === 'settling', 20_000);
      const sendingRuns = (await runsOf(handle.workflowId)).length;
      expect(sendingRuns).toBeGreaterThanOrEqual(2);
      const deadline = (await progress(handle)).settleDeadline;
      expect(deadline).not.toBeNull();

      // Settling, paused: the pause, the reason and the deadline survive the rollover.
      await handle.signal(pauseSignal, { reason: 'hold', actor: 'ops' });
      await signalCounts(10);
      await waitFor(async () => (await runsOf(handle.workflowId)).length > sendingRuns);
      const latest = server.client.workflow.getHandle(handle.workflowId);
      await waitFor(async () => (await progress(latest)).status === 'paused');
      expect(await progress(latest)).toMatchObject({
        phase: 'settling',
        reason: 'hold',
        actor: 'ops',
        settleDeadline: deadline,
      });
      expect((await progress(latest)).counts.sent).toBe(40);

      await latest.signal(resumeSignal);
      fake.deliver();
      await latest.signal(countsChangedSignal, { snapshot: fake.snapshot() });
      const result = (await latest.result()) as CountsSnapshot;
      expect(result.counts).toMatchObject({ delivered: 40, sent: 0, pending: 0 });
    });
    expect(fake.calls.finished).toEqual(['completed']);
  });

  it('continues as new when the server suggests it, keeping every run short', async () => {
    const fake = fakeCampaign(5, { deliverAtOnce: false });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await waitFor(async () => (await progress(handle)).phase === 'settling');
      // No limit of its own this time (1,000 signals): only the server's suggestion, at 250
      // events in this test run, can make it roll over.
      for (let i = 0; i < 120; i++) {
        await handle.signal(countsChangedSignal, { snapshot: fake.snapshot() });
      }
      fake.deliver();
      await handle.signal(countsChangedSignal, { snapshot: fake.snapshot() });
      await server.client.workflow.getHandle(handle.workflowId).result();
      const lengths: number[] = [];
      for await (const wf of server.client.workflow.list({
        query: `WorkflowId = "${handle.workflowId}"`,
      })) {
        lengths.push(wf.historyLength);
      }
      expect(lengths.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...lengths)).toBeLessThan(400);
    });
  });

  it('retry-failed starts a new run of a completed campaign that sends the failed rows', async () => {
    const fake = fakeCampaign(10);
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await handle.result();
      fake.fail(4);
      const lifecycle = new CampaignLifecycle(server.client, tq);
      const campaignId = handle.workflowId.replace(/^campaign-/, '');
      const { requeued } = await lifecycle.retryFailed(
        campaignId,
        't',
        { settleTimeoutMs: 60_000, unknownWindowMs: 60_000, maxSignalsPerRun: 1_000 },
        { name: 'n', sender: '1', template: { name: 't', language: 'en' } },
        fake.snapshot(),
        { actor: 'test' },
      );
      expect(requeued).toBe(4);
      const second = server.client.workflow.getHandle(handle.workflowId);
      const result = (await second.result()) as CountsSnapshot;
      expect(result.counts).toMatchObject({ delivered: 10, failed: 0 });
      expect((await runsOf(handle.workflowId)).length).toBe(2);
    });
    expect(fake.calls.finished).toEqual(['completed', 'completed']);
    expect(fake.calls.begin).toBe(1);
  });

  it('retry-failed with nothing to retry ends the run it starts, leaving the campaign as it closed', async () => {
    const fake = fakeCampaign(10);
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq);
      await handle.result();
      const lifecycle = new CampaignLifecycle(server.client, tq);
      const campaignId = handle.workflowId.replace(/^campaign-/, '');
      const { requeued } = await lifecycle.retryFailed(
        campaignId,
        't',
        { settleTimeoutMs: 60_000, unknownWindowMs: 60_000, maxSignalsPerRun: 5 },
        { name: 'n', sender: '1', template: { name: 't', language: 'en' } },
        fake.snapshot(),
        { actor: 'test' },
      );
      expect(requeued).toBe(0);
      const second = server.client.workflow.getHandle(handle.workflowId);
      const outcome = (await outcomeWithin(second, 20_000)) as { value?: CountsSnapshot };
      expect(outcome).toMatchObject({ value: { counts: { delivered: 10 } } });
      expect((await progress(second)).status).toBe('completed');
      expect((await runsOf(handle.workflowId)).length).toBe(2);
    });
    // The run closed nothing itself: the campaign's row was never touched again.
    expect(fake.calls.finished).toEqual(['completed']);
  });

  it('carries a failure asked for while it rolls over into the next run, which fails', async () => {
    const requeue = gate();
    const fake = fakeCampaign(10, { deliverAtOnce: false, requeueGate: requeue.wait });
    await withWorker(fake.activities, async (tq) => {
      const handle = await start(tq, { maxSignalsPerRun: 3 });
      await waitFor(async () => (await progress(handle)).phase === 'settling');
      // A retry in progress holds the rollover until it has answered...
      const retrying = await handle.startUpdate(retryFailedUpdate.name, {
        args: [{ actor: 'test' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await waitFor(async () => fake.calls.requeues === 1);
      for (let i = 0; i < 3; i++) {
        await handle.signal(countsChangedSignal, { snapshot: fake.snapshot() });
      }
      // The run has taken those signals (a task completed after them) and waits to roll over...
      await waitFor(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const signals = events.flatMap((e, i) =>
          e.workflowExecutionSignaledEventAttributes ? [i] : [],
        );
        const lastSignal = signals.at(-1) ?? Infinity;
        return (
          signals.length === 3 &&
          events.some((e, i) => i > lastSignal && e.workflowTaskCompletedEventAttributes)
        );
      });
      // ...and a webhook asks for the campaign to fail in between.
      await handle.signal(countsChangedSignal, {
        snapshot: fake.snapshot(),
        stop: { action: 'fail', code: 132001, reason: 'template does not exist' },
      });
      requeue.open();
      expect(await retrying.result()).toEqual({ requeued: 0 });
      const latest = server.client.workflow.getHandle(handle.workflowId);
      const outcome = (await outcomeWithin(latest, 20_000)) as { error?: unknown };
      expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
      expect((await runsOf(handle.workflowId)).length).toBe(2);
    });
    expect(fake.calls.finished).toEqual(['failed']);
  });
});

/** Resolves with the workflow's outcome, or with 'still running' after `ms`. */
async function outcomeWithin(handle: WorkflowHandle, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([
      handle.result().then(
        (value: unknown) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Holds the stand-in send attempt until opened; stays open afterwards. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met in time${last instanceof Error ? `: ${last.message}` : ''}`);
}
