import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { CountsSnapshot, StatusCounts } from '#libs/domain';
import { workflowServer } from '#test/support/workflow-server';
import type { CampaignActivities, SendRecipientsResult, SendStop } from './campaign.activities.js';
import type { SequenceRunnerActivities } from './sequence-runner.activities.js';
import {
  runnerPauseSignal,
  runnerProgressQuery,
  runnerResumeSignal,
  runnerWakeSignal,
  sequenceRunnerId,
  type SequenceRunnerInput,
} from './sequence-runner.definitions.js';
import type { sequenceRunner } from './sequence-runner.workflow.js';

const counts = (sent: number): StatusCounts => ({
  pending: 0,
  sending: 0,
  unknown: 0,
  sent,
  delivered: 0,
  read: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
});

/**
 * Stand-in activities for one sequence: each send attempt waits (heartbeating) until the test
 * lets it go, sends one message and answers `done`, or the answer `next` the test set.
 */
function fakeSequence() {
  const calls = {
    sends: 0,
    cancelledSends: 0,
    /** What it recorded, in order (a run records its state once when it starts). */
    paused: [] as { paused: boolean; reason: string | null; actor: string | null }[],
    looks: 0,
  };
  let sent = 0;
  let release: (() => void) | null = null;
  let next: Partial<SendRecipientsResult> | null = null;
  const snapshot = (): CountsSnapshot => ({
    version: sent + 1,
    counts: counts(sent),
    byCountry: {},
  });
  const activities: Pick<CampaignActivities, 'sendRecipients' | 'expireUnknown'> &
    SequenceRunnerActivities = {
    async sendRecipients(): Promise<SendRecipientsResult> {
      calls.sends += 1;
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 50);
      try {
        await Promise.race([new Promise<void>((r) => (release = r)), ctx.cancelled]);
      } catch (err) {
        calls.cancelledSends += 1;
        throw err;
      } finally {
        clearInterval(beat);
        release = null;
      }
      sent += 1;
      const answer = next ?? {};
      next = null;
      return {
        snapshot: snapshot(),
        stop: 'done',
        resumeAt: null,
        fatal: null,
        interrupted: { toPending: 0, toUnknown: 0 },
        sent: 1,
        ...answer,
      };
    },
    async expireUnknown() {
      return { snapshot: snapshot(), nextExpiryAt: null };
    },
    async setSequencePaused({ paused, reason, actor }) {
      calls.paused.push({ paused, reason, actor });
    },
    async sequenceProgress() {
      calls.looks += 1;
      return { byStatus: { active: 3 }, byStep: { welcome: 3 }, byPhase: { waiting: 3 } };
    },
    async runEnrolmentJobs() {
      return { more: false, enrolled: 0 };
    },
  };
  return {
    activities,
    calls,
    /** Lets the send attempt in flight finish; false when none is waiting. */
    letGo(answer?: Partial<SendRecipientsResult>) {
      if (!release) return false;
      next = answer ?? null;
      release();
      return true;
    },
    get sent() {
      return sent;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sequence runner workflow', () => {
  const server = workflowServer();
  const start = (
    taskQueue: string,
    extra: Partial<SequenceRunnerInput> = {},
  ): Promise<WorkflowHandle<typeof sequenceRunner>> => {
    const sequenceId = randomUUID();
    return server.client.workflow.start<typeof sequenceRunner>('sequenceRunner', {
      taskQueue,
      workflowId: sequenceRunnerId(sequenceId),
      args: [
        {
          sequenceId,
          workspaceId: 'w',
          unknownWindowMs: 60_000,
          maxSignalsPerRun: 1_000,
          ...extra,
        },
      ],
    });
  };
  const withWorker = <T>(fake: ReturnType<typeof fakeSequence>, fn: (q: string) => Promise<T>) =>
    server.withWorker(fake.activities, fn, { maxHeartbeatThrottleInterval: '50 milliseconds' });

  it('pauses mid-send at once, sends nothing while paused, and sends again on resume', async () => {
    const fake = fakeSequence();
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue);
      await until(() => fake.calls.sends === 1, 'the first send attempt runs');

      await handle.signal(runnerPauseSignal, { reason: 'checking the copy', actor: 'ops@x' });
      // The attempt in flight is cancelled, the pause recorded with who asked and why.
      await until(() => fake.calls.cancelledSends === 1, 'the attempt is cancelled');
      await until(() => fake.calls.paused.at(-1)?.paused === true, 'the pause is recorded');
      expect(fake.calls.paused.at(-1)).toEqual({
        paused: true,
        reason: 'checking the copy',
        actor: 'ops@x',
      });
      const paused = await handle.query(runnerProgressQuery);
      expect(paused).toMatchObject({
        status: 'paused',
        reason: 'checking the copy',
        actor: 'ops@x',
      });

      // Wakes (new enrolments, replies) do not send while it is paused.
      await handle.signal(runnerWakeSignal);
      await handle.signal(runnerWakeSignal);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(fake.calls.sends).toBe(1);
      expect(fake.sent).toBe(0);

      await handle.signal(runnerResumeSignal, { actor: 'ops@x' });
      await until(() => fake.calls.sends === 2, 'a send attempt runs again');
      expect(fake.calls.paused.at(-1)).toMatchObject({ paused: false, actor: 'ops@x' });
      expect(fake.letGo()).toBe(true);
      await until(
        async () => (await handle.query(runnerProgressQuery)).messages !== null,
        'it looks',
      );
      const running = await handle.query(runnerProgressQuery);
      expect(running).toMatchObject({
        status: 'running',
        enrolments: { byStatus: { active: 3 }, byStep: { welcome: 3 } },
        messages: { counts: { sent: 1 } },
      });
      await handle.terminate();
    });
  });

  it('sleeps once nothing is due until a wake, and until the time a waiting send names', async () => {
    const fake = fakeSequence();
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue);
      await until(() => fake.calls.sends === 1, 'the first send attempt runs');
      expect(fake.letGo({ stop: 'done' })).toBe(true);
      // Nothing due: no further attempt until it is woken.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(fake.calls.sends).toBe(1);
      await handle.signal(runnerWakeSignal);
      await until(() => fake.calls.sends === 2, 'the wake starts an attempt');

      // Pending rows none of which may go before resumeAt: the next attempt is not earlier.
      const resumeAt = Date.now() + 1_500;
      expect(fake.letGo({ stop: 'wait', resumeAt })).toBe(true);
      await until(() => fake.calls.sends === 3, 'the attempt after the wait');
      expect(Date.now()).toBeGreaterThanOrEqual(resumeAt - 50);
      await handle.terminate();
    });
  });

  it('pauses as the engine when the provider halts the sender, and says why', async () => {
    const fake = fakeSequence();
    const halt: SendStop = { action: 'halt', code: 190, reason: 'access token expired' };
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue);
      await until(() => fake.calls.sends === 1, 'the first send attempt runs');
      expect(fake.letGo({ stop: 'fatal', fatal: halt })).toBe(true);
      await until(() => fake.calls.paused.at(-1)?.paused === true, 'the halt pause is recorded');
      expect(fake.calls.paused.at(-1)).toEqual({
        paused: true,
        reason: 'sender halted: access token expired',
        actor: 'engine',
      });
      await handle.signal(runnerWakeSignal);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(fake.calls.sends).toBe(1);
      expect(await handle.query(runnerProgressQuery)).toMatchObject({
        status: 'paused',
        actor: 'engine',
      });
      await handle.terminate();
    });
  });

  it('continues as new after its signal budget, still paused, and resumes in the new run', async () => {
    const fake = fakeSequence();
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { maxSignalsPerRun: 3 });
      const firstRun = (await handle.describe()).runId;
      await until(() => fake.calls.sends === 1, 'the first send attempt runs');
      await handle.signal(runnerPauseSignal, { actor: 'ops@x' });
      await until(() => fake.calls.paused.at(-1)?.paused === true, 'the pause is recorded');
      await handle.signal(runnerWakeSignal);
      await handle.signal(runnerWakeSignal);
      // Three signals: the run rolls over, carrying the pause.
      await until(
        async () =>
          (await server.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun,
        'the runner continues as new',
      );
      const latest = server.client.workflow.getHandle<typeof sequenceRunner>(handle.workflowId);
      expect(await latest.query(runnerProgressQuery)).toMatchObject({
        status: 'paused',
        actor: 'ops@x',
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(fake.calls.sends).toBe(1);

      await latest.signal(runnerResumeSignal, { actor: 'ops@x' });
      await until(() => fake.calls.sends === 2, 'the new run sends after the resume');
      expect(fake.letGo()).toBe(true);
      await until(() => fake.sent === 1, 'the message is sent');
      await latest.terminate();
    });
  });
});
