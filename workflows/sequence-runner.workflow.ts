import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities, SendRecipientsResult } from './campaign.activities.js';
import type { SequenceRunnerActivities } from './sequence-runner.activities.js';
import { pauseControl } from './pause-control.js';
import {
  runnerPauseSignal,
  runnerProgressQuery,
  runnerResumeSignal,
  runnerWakeSignal,
  type RunnerState,
  type SequenceProgress,
  type SequenceRunnerInput,
} from './sequence-runner.definitions.js';

const sending = proxyActivities<CampaignActivities>({
  // One attempt advances and sends for at most its budget, then returns.
  startToCloseTimeout: '30 minutes',
  // Short, so a crashed worker's sequence moves to another worker within seconds.
  heartbeatTimeout: '5 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', maximumInterval: '2 seconds', backoffCoefficient: 2 },
});

const bookkeeping = proxyActivities<CampaignActivities & SequenceRunnerActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

const enrolling = proxyActivities<SequenceRunnerActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const local = proxyLocalActivities<SequenceRunnerActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

/** A lost lease (another attempt sends) is looked at again after this long. */
const LOST_RETRY_MS = 2_000;

/**
 * One sequence's runner: advances its due enrolments in batches and sends their messages, both
 * inside the campaigns' send activity (the one send core: reservation, pacing, classification,
 * fenced write-back), so Temporal works per batch and per budget, never per contact. Between
 * runs it sleeps durably until the earliest due enrolment or message, or until the API wakes
 * it (new enrolments, replies, reads). Pause and resume act as the API's do; a sender the
 * provider refuses pauses it with the reason until the halt is cleared. Continues as new when
 * Temporal suggests it; everything it needs lives in PostgreSQL.
 */
export async function sequenceRunner(input: SequenceRunnerInput): Promise<void> {
  const { sequenceId } = input;
  const state: RunnerState = input.carried ?? {
    paused: false,
    reason: null,
    actor: null,
    resumeAt: null,
    idle: false,
    jobs: false,
    nextUnknownExpiryAt: null,
    progress: null,
    messages: null,
  };
  let sendScope: CancellationScope | undefined;
  let signals = 0;
  let wakes = 0;
  /** Wakes seen when the last send attempt began: later ones mean something new is due. */
  let seen = 0;
  /** The pause recorded in PostgreSQL (null: not yet recorded in this run). */
  let recorded: boolean | null = null;

  const describe = () =>
    setCurrentDetails(
      [
        `**${state.paused ? 'paused' : 'running'}**${state.reason ? ` — ${state.reason}` : ''}${state.actor ? ` (by ${state.actor})` : ''}`,
        '',
        ...Object.entries(state.progress?.byStep ?? {}).map(([step, n]) => `- ${step}: ${n}`),
      ].join('\n'),
    );
  const control = pauseControl(state);
  const requestPause = (reason: string | null, actor: string | null) => {
    const change = control.pause(reason, actor);
    if (change === 'paused') sendScope?.cancel();
    if (change !== 'unchanged') describe();
  };
  const rollOverDue = () =>
    workflowInfo().continueAsNewSuggested || signals >= input.maxSignalsPerRun;

  setHandler(
    runnerPauseSignal,
    (req) => {
      signals += 1;
      requestPause(req?.reason ?? null, req?.actor ?? 'operator');
    },
    {
      description:
        'Hold every enrolment of the sequence (nothing is sent, nothing advances). Optional {"reason", "actor"}.',
    },
  );
  setHandler(
    runnerResumeSignal,
    (req) => {
      signals += 1;
      if (control.resume(req)) describe();
    },
    {
      description:
        'Release a paused sequence. Optional {"reason", "actor", "ifPausedBy"} (only if paused by that actor).',
    },
  );
  setHandler(
    runnerWakeSignal,
    (reason) => {
      signals += 1;
      wakes += 1;
      if (reason?.jobs) state.jobs = true;
    },
    {
      description:
        'Internal, sent by the API when enrolments become due. Operators need not send it.',
    },
  );
  setHandler(
    runnerProgressQuery,
    (): SequenceProgress => ({
      sequenceId,
      status: state.paused ? 'paused' : 'running',
      reason: state.reason,
      actor: state.actor,
      enrolments: state.progress,
      messages: state.messages,
      resumeAt: state.resumeAt === null ? null : new Date(state.resumeAt).toISOString(),
    }),
    { description: 'Enrolments by status, step and phase; messages by state; pause and reason.' },
  );

  /** Runs one send attempt; null when a pause stopped it. */
  const send = async (): Promise<SendRecipientsResult | null> => {
    sendScope = new CancellationScope();
    try {
      return await sendScope.run(() => sending.sendRecipients({ campaignId: sequenceId }));
    } catch (err) {
      if (isCancellation(err) && !CancellationScope.current().consideredCancelled) return null;
      throw err;
    } finally {
      sendScope = undefined;
    }
  };
  const look = async () => {
    state.progress = await local.sequenceProgress({ sequenceId });
    describe();
  };

  /**
   * Enrolment jobs run beside the sending, and while the sequence is paused too (their
   * enrolments then hold like the others); each batch they enrol is due at once, which the
   * send activity's feeder picks up, and a finished job wakes an idle runner.
   */
  let enrollingNow = false;
  const enrol = async () => {
    for (;;) {
      await condition(() => state.jobs);
      enrollingNow = true;
      const done = await enrolling.runEnrolmentJobs({ sequenceId });
      enrollingNow = false;
      state.jobs = done.more;
      wakes += 1;
    }
  };
  void enrol();

  describe();
  for (;;) {
    if (rollOverDue()) {
      await condition(() => !enrollingNow);
      await condition(allHandlersFinished);
      return await continueAsNew<typeof sequenceRunner>({ ...input, carried: state });
    }
    if (state.paused !== recorded) {
      await bookkeeping.setSequencePaused({
        sequenceId,
        paused: state.paused,
        reason: state.reason,
        actor: state.actor,
      });
      recorded = state.paused;
      log.info(state.paused ? 'sequence paused' : 'sequence running', {
        sequenceId,
        reason: state.reason,
        actor: state.actor,
      });
      continue;
    }
    if (state.paused) {
      await condition(() => !state.paused || rollOverDue());
      continue;
    }
    if (state.nextUnknownExpiryAt !== null && Date.now() >= state.nextUnknownExpiryAt) {
      const expired = await bookkeeping.expireUnknown({
        campaignId: sequenceId,
        windowMs: input.unknownWindowMs,
      });
      state.messages = expired.snapshot;
      state.nextUnknownExpiryAt = expired.nextExpiryAt;
    }
    if (state.idle || (state.resumeAt !== null && Date.now() < state.resumeAt)) {
      const until = Math.min(state.resumeAt ?? Infinity, state.nextUnknownExpiryAt ?? Infinity);
      const woken = () => wakes !== seen || state.paused || rollOverDue();
      if (until === Infinity) await condition(woken);
      else await condition(woken, Math.max(1, until - Date.now()));
      state.idle = false;
      state.resumeAt = null;
      continue;
    }

    seen = wakes;
    const result = await send();
    if (!result) continue;
    state.messages = result.snapshot;
    if (result.interrupted.toUnknown > 0 || result.snapshot.counts.unknown > 0) {
      state.nextUnknownExpiryAt ??= Date.now() + input.unknownWindowMs;
    }
    await look();
    if (result.fatal) {
      const prefix = result.fatal.action === 'halt' ? 'sender halted: ' : '';
      requestPause(`${prefix}${result.fatal.reason}`, 'engine');
    } else if (result.stop === 'wait') {
      state.resumeAt = result.resumeAt;
    } else if (result.stop === 'done') {
      state.idle = true;
    } else if (result.stop === 'lost') {
      state.resumeAt = Date.now() + LOST_RETRY_MS;
    }
  }
}
