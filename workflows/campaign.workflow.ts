import {
  ActivityCancellationType,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignStatus, CountsSnapshot } from '#libs/domain';
import type { CampaignActivities, SendRecipientsResult } from './campaign.activities.js';
import {
  campaignStatusKey,
  countsChangedSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  retryFailedUpdate,
  setRateUpdate,
  type CampaignProgress,
  type CampaignWorkflowInput,
  type CarriedState,
  type ControlRequest,
} from './campaign.definitions.js';
import { outstanding, unsent } from './campaign-progress.js';
import { pauseControl } from './pause-control.js';

const sending = proxyActivities<CampaignActivities>({
  // One attempt sends for at most a few minutes (its budget), then returns.
  startToCloseTimeout: '30 minutes',
  // Short, so a crashed worker's campaign moves to another worker within seconds (the activity
  // heartbeats every 200 ms).
  heartbeatTimeout: '5 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // Crashes and timeouts are retried here, promptly (a crashed attempt's rows wait for it);
  // provider errors are handled per recipient inside.
  retry: { initialInterval: '1 second', maximumInterval: '2 seconds', backoffCoefficient: 2 },
});

const bookkeeping = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

/** The campaign's row is written just after the workflow starts; waits this long for it. */
const begin = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
});

/** How often a settling campaign re-reads its counts even without signals. */
const SETTLE_RECHECK_MS = 5 * 60_000;

/**
 * One campaign: sends its frozen audience at the global limiter's pace, honours pause, resume
 * and cancel, follows delivery statuses signalled by the webhook intake, fails unknown sends
 * that never get a status, and completes once every recipient is final. Long campaigns continue
 * as new in every phase, carrying their state.
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CountsSnapshot> {
  const { campaignId } = input;
  const state: CarriedState = input.carried ?? {
    phase: 'sending',
    paused: false,
    reason: null,
    actor: null,
    snapshot: { version: 0, counts: {} as CountsSnapshot['counts'], byCountry: {} },
    settleDeadline: null,
    nextUnknownExpiryAt: null,
    resumeAt: null,
  };
  let status: CampaignStatus = state.paused
    ? 'paused'
    : input.carried
      ? 'running'
      : input.sendAt
        ? 'scheduled'
        : 'launching';
  let sendScope: CancellationScope | undefined;
  /** Why the campaign must fail; carried across continue-as-new until it has closed. */
  let failure: string | null = input.carried?.failure ?? null;
  let signals = 0;
  let retryRequested = false;
  /** Set while the campaign closes: updates are refused from then on. */
  let closing = false;

  const setStatus = (next: CampaignStatus) => {
    if (next === status) return;
    log.info('campaign status changed', {
      campaignId,
      from: status,
      to: next,
      reason: state.reason,
      actor: state.actor,
    });
    status = next;
    upsertSearchAttributes([{ key: campaignStatusKey, value: next }]);
    showDetails();
  };
  /** The campaign's state for the Temporal UI (User Metadata), kept current. */
  const showDetails = () => setCurrentDetails(describe(status, state, input.sendAt));
  const adopt = (snapshot: CountsSnapshot) => {
    if (snapshot.version >= state.snapshot.version) state.snapshot = snapshot;
    showDetails();
  };
  const control = pauseControl(state);
  const requestPause = (reason: string | null, actor: string | null) => {
    const change = control.pause(reason, actor);
    if (change === 'taken-over') showDetails();
    if (change === 'paused') sendScope?.cancel();
  };
  const rollOverDue = () =>
    workflowInfo().continueAsNewSuggested || signals >= input.maxSignalsPerRun;

  // Registered before the first await, so queries and signals work from the first task.
  setHandler(
    pauseSignal,
    (req) => {
      signals += 1;
      requestPause(req?.reason ?? null, req?.actor ?? 'operator');
    },
    {
      description:
        'Stop sending within a second; unsent recipients stay pending. Optional {"reason", "actor"}.',
    },
  );
  setHandler(
    resumeSignal,
    (req) => {
      signals += 1;
      control.resume(req);
    },
    {
      description:
        'Resume a paused campaign where it stopped. Optional {"reason", "actor", "ifPausedBy"} (only if paused by that actor).',
    },
  );
  setHandler(
    countsChangedSignal,
    ({ snapshot, stop }) => {
      signals += 1;
      adopt(snapshot);
      if (stop?.action === 'fail') failure ??= stop.reason;
      else if (stop) requestPause(stop.reason, 'engine');
      if (failure) sendScope?.cancel();
    },
    { description: 'Internal, sent by the webhook intake. Operators must not send it.' },
  );
  setHandler(
    retryFailedUpdate,
    async (req) => {
      const { requeued, snapshot } = await bookkeeping.requeueFailed({ campaignId });
      adopt(snapshot);
      if (requeued > 0) {
        retryRequested = true;
        state.reason = req?.reason ?? 'retry failed';
        state.actor = req?.actor ?? 'operator';
      }
      return { requeued };
    },
    {
      validator: (_req?: ControlRequest) => {
        if (closing) throw new Error('the campaign is closing; try again in a moment');
      },
      description:
        'Send failed recipients again: transient failures and sends whose outcome stayed unknown.',
    },
  );
  setHandler(
    setRateUpdate,
    async ({ ratePerSecond }) => {
      await bookkeeping.setCampaignRate({ campaignId, ratePerSecond });
      return { ratePerSecond };
    },
    {
      validator: ({ ratePerSecond }) => {
        if (ratePerSecond === null) return;
        if (typeof ratePerSecond !== 'number' || !Number.isFinite(ratePerSecond)) {
          throw new Error('ratePerSecond must be a number of messages per second, or null');
        }
        if (ratePerSecond <= 0 || ratePerSecond > 10_000) {
          throw new Error('ratePerSecond must be above 0 and at most 10000');
        }
      },
      description:
        'Cap this campaign\'s send rate: {"ratePerSecond": 20}, or {"ratePerSecond": null} to lift the cap.',
    },
  );
  setHandler(
    progressQuery,
    (): CampaignProgress => ({
      campaignId,
      status,
      phase: ['completed', 'cancelled', 'failed'].includes(status) ? 'closed' : state.phase,
      reason: state.reason,
      actor: state.actor,
      counts: state.snapshot.counts,
      byCountry: state.snapshot.byCountry,
      countsVersion: state.snapshot.version,
      settleDeadline: state.settleDeadline ? new Date(state.settleDeadline).toISOString() : null,
    }),
    { description: 'Recipient counts by status and by country, status, phase, reason and actor.' },
  );

  /** Runs one send attempt; null when a pause (not a cancellation of the campaign) stopped it. */
  const send = async (): Promise<SendRecipientsResult | null> => {
    sendScope = new CancellationScope();
    try {
      return await sendScope.run(() => sending.sendRecipients({ campaignId }));
    } catch (err) {
      if (isCancellation(err) && !CancellationScope.current().consideredCancelled) return null;
      throw err;
    } finally {
      sendScope = undefined;
    }
  };

  const close = async (final: 'completed' | 'failed', reason: string | null) => {
    closing = true;
    await condition(allHandlersFinished);
    adopt(await bookkeeping.finishCampaign({ campaignId, status: final, reason }));
    state.reason = reason;
    setStatus(final);
  };

  try {
    if (!input.carried && input.sendAt) {
      // Scheduled: a durable timer until then. Cancelling it ends the campaign right here, before
      // its audience is frozen or anything is sent; a pause meanwhile makes it start paused.
      // Only inputs with sendAt take this path, so histories recorded before it replay unchanged.
      showDetails();
      const delay = Date.parse(input.sendAt) - Date.now();
      if (delay > 0) await sleep(delay);
    }
    if (!input.carried) adopt(await begin.beginCampaign({ campaignId }));
    setStatus(state.paused ? 'paused' : 'running');

    for (;;) {
      if (failure) {
        await close('failed', failure);
        throw ApplicationFailure.nonRetryable(failure, 'CampaignFailed');
      }
      if (rollOverDue()) {
        await condition(allHandlersFinished);
        if (retryRequested) state.phase = 'sending';
        return await continueAsNew<typeof campaignWorkflow>({
          ...input,
          carried: { ...state, failure },
        });
      }
      if (state.paused) {
        setStatus('paused');
        await bookkeeping.setCampaignStatus({
          campaignId,
          status: 'paused',
          reason: state.reason,
          actor: state.actor,
        });
        await condition(() => !state.paused || failure !== null || rollOverDue());
        if (state.paused) continue;
        await bookkeeping.setCampaignStatus({
          campaignId,
          status: 'running',
          reason: state.reason,
          actor: state.actor,
        });
        setStatus('running');
        continue;
      }
      if (state.nextUnknownExpiryAt !== null && Date.now() >= state.nextUnknownExpiryAt) {
        const expired = await bookkeeping.expireUnknown({
          campaignId,
          windowMs: input.unknownWindowMs,
        });
        adopt(expired.snapshot);
        state.nextUnknownExpiryAt = expired.nextExpiryAt;
      }
      if (retryRequested) {
        retryRequested = false;
        state.phase = 'sending';
      }

      if (state.phase === 'sending') {
        if (state.resumeAt !== null && Date.now() < state.resumeAt) {
          // Only rows waiting for a retry, or for a limiter slot far ahead: a durable timer.
          await condition(
            () => state.paused || retryRequested || failure !== null || rollOverDue(),
            wait(state.resumeAt, state.nextUnknownExpiryAt),
          );
          if (Date.now() >= state.resumeAt) state.resumeAt = null;
          continue;
        }
        const result = await send();
        if (!result) continue;
        adopt(result.snapshot);
        if (result.stop === 'lost' && result.closed) {
          // Started for a retry that found nothing to retry: the campaign closed before this run.
          closing = true;
          await condition(allHandlersFinished);
          if (retryRequested) {
            closing = false;
            continue;
          }
          setStatus(result.closed);
          return state.snapshot;
        }
        state.resumeAt = result.stop === 'wait' ? result.resumeAt : null;
        if (result.interrupted.toUnknown > 0 || result.snapshot.counts.unknown > 0) {
          state.nextUnknownExpiryAt ??= Date.now() + input.unknownWindowMs;
        }
        if (result.fatal) {
          if (result.fatal.action === 'fail') failure ??= result.fatal.reason;
          else {
            const prefix = result.fatal.action === 'halt' ? 'sender halted: ' : '';
            requestPause(`${prefix}${result.fatal.reason}`, result.fatal.actor ?? 'engine');
          }
          continue;
        }
        if (result.stop === 'done') {
          state.phase = 'settling';
          state.settleDeadline = Date.now() + input.settleTimeoutMs;
        }
        continue;
      }

      // Settling: every recipient has been sent; waiting for the last statuses.
      const counts = state.snapshot.counts;
      const deadline = state.settleDeadline ?? Date.now();
      if (unsent(counts) > 0) {
        state.phase = 'sending';
        continue;
      }
      if (outstanding(counts) === 0 || Date.now() >= deadline) {
        // Signals are hints; PostgreSQL decides.
        const fresh = await bookkeeping.readCounts({ campaignId });
        adopt(fresh);
        if (unsent(fresh.counts) > 0) {
          state.phase = 'sending';
          continue;
        }
        if (fresh.counts.unknown > 0 && Date.now() < deadline) {
          state.nextUnknownExpiryAt ??= Date.now() + input.unknownWindowMs;
        } else if (outstanding(fresh.counts) === 0 || Date.now() >= deadline) {
          closing = true;
          // A retry accepted before closing began is carried out first.
          await condition(allHandlersFinished);
          if (retryRequested) {
            closing = false;
            continue;
          }
          await close('completed', null);
          return state.snapshot;
        }
      }
      await condition(
        () =>
          outstanding(state.snapshot.counts) === 0 ||
          state.paused ||
          retryRequested ||
          failure !== null ||
          rollOverDue(),
        wait(Math.min(deadline, Date.now() + SETTLE_RECHECK_MS), state.nextUnknownExpiryAt),
      );
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        adopt(
          await bookkeeping.finishCampaign({
            campaignId,
            status: 'cancelled',
            reason: 'cancelled',
          }),
        );
        state.reason = 'cancelled';
        setStatus('cancelled');
      });
    }
    throw err;
  }
}

/** Markdown the Temporal UI shows for the campaign: its status, reason and counts. */
function describe(status: CampaignStatus, state: CarriedState, sendAt?: string): string {
  const c = state.snapshot.counts;
  const n = (k: keyof typeof c) => c[k] ?? 0;
  const reason = state.reason ? ` — ${state.reason}` : '';
  const actor = state.actor ? ` (by ${state.actor})` : '';
  const until = status === 'scheduled' && sendAt ? ` until ${sendAt}` : '';
  return [
    `**${status}**${until}${reason}${actor}`,
    '',
    '| pending | sending | sent | delivered | read | unknown | failed | skipped | cancelled |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${n('pending')} | ${n('sending')} | ${n('sent')} | ${n('delivered')} | ${n('read')} | ${n('unknown')} | ${n('failed')} | ${n('skipped')} | ${n('cancelled')} |`,
  ].join('\n');
}

/** Milliseconds until the earlier of two deadlines (the second may be absent), at least 1. */
function wait(until: number, alsoBy: number | null): number {
  return Math.max(1, Math.min(until, alsoBy ?? Infinity) - Date.now());
}
