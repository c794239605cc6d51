import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities } from './campaign.activities.js';
import {
  campaignStatusKey,
  pauseSignal,
  progressQuery,
  resumeSignal,
  statusDeltaSignal,
  type CampaignProgress,
  type CampaignWorkflowInput,
  type StatusCounts,
} from './campaign.definitions.js';
import { applyTransitions, emptyCounts, outstanding } from './status-counts.js';

const sending = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '10 minutes',
  // Longer than one provider request (WHATSAPP_REQUEST_TIMEOUT_MS), short enough to notice a dead worker.
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // Crashes and timeouts are retried here; provider errors are handled per recipient inside.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

const bookkeeping = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** How often a settling campaign re-reads the authoritative counts from PostgreSQL. */
const SETTLE_RECHECK_MS = 60_000;

/**
 * One campaign: walks its frozen audience chunk by chunk, honours pause/resume/cancel, tracks
 * delivery statuses signalled by the webhook intake and completes once every sent message has
 * settled (or the settle timeout passes).
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<StatusCounts> {
  const { campaignId } = input;
  let paused = input.paused ?? false;
  let phase: CampaignProgress['phase'] = paused ? 'paused' : 'sending';
  let counts: StatusCounts = input.counts ?? emptyCounts();

  const setPhase = (next: CampaignProgress['phase']) => {
    phase = next;
    upsertSearchAttributes([{ key: campaignStatusKey, value: next }]);
  };

  // Descriptions show in the Temporal UI, where operators send these signals.
  setHandler(
    pauseSignal,
    () => {
      paused = true;
    },
    { description: 'Stop sending after the chunk in flight; recipients stay pending.' },
  );
  setHandler(
    resumeSignal,
    () => {
      paused = false;
    },
    { description: 'Resume sending a paused campaign.' },
  );
  setHandler(
    statusDeltaSignal,
    (delta) => {
      counts = applyTransitions(counts, delta.transitions);
    },
    { description: 'Batched delivery-status transitions from the webhook intake.' },
  );
  setHandler(progressQuery, () => ({ campaignId, phase, counts }), {
    description: 'Recipient counts by status and the current phase.',
  });

  // Handlers are registered before the first await, so queries and signals work at once.
  if (!input.counts) counts = await bookkeeping.beginCampaign({ campaignId });

  try {
    for (;;) {
      if (paused) {
        setPhase('paused');
        await bookkeeping.setCampaignStatus({ campaignId, status: 'paused' });
        await condition(() => !paused);
        await bookkeeping.setCampaignStatus({ campaignId, status: 'running' });
      }
      setPhase('sending');
      const chunk = await sending.sendChunk({ campaignId, limit: input.chunkSize });
      counts = applyTransitions(counts, chunk.transitions);

      if (chunk.fatal) {
        if (chunk.fatal.action === 'pause') {
          paused = true;
          await bookkeeping.setCampaignStatus({
            campaignId,
            status: 'paused',
            reason: chunk.fatal.reason,
          });
          continue;
        }
        setPhase('failed');
        return await bookkeeping.finishCampaign({
          campaignId,
          status: 'failed',
          reason: chunk.fatal.reason,
        });
      }
      if (chunk.pending === 0) break;
      if (chunk.processed === 0 && chunk.nextAttemptAt !== null) {
        // Only retries remain and none is due yet: sleep durably until the first one is.
        await sleep(Math.max(chunk.nextAttemptAt - Date.now(), 100));
      }
      if (workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof campaignWorkflow>({ ...input, counts, paused });
      }
    }

    setPhase('settling');
    const deadline = Date.now() + input.settleTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await condition(() => outstanding(counts) === 0, Math.min(remaining, SETTLE_RECHECK_MS));
      // Signals are hints; PostgreSQL is the truth. Re-read before deciding.
      counts = await bookkeeping.countRecipients({ campaignId });
      if (outstanding(counts) === 0) break;
    }
    setPhase('completed');
    return await bookkeeping.finishCampaign({ campaignId, status: 'completed' });
  } catch (err) {
    if (isCancellation(err)) {
      setPhase('cancelled');
      await CancellationScope.nonCancellable(() =>
        bookkeeping.finishCampaign({ campaignId, status: 'cancelled', reason: 'cancelled' }),
      );
    }
    throw err;
  }
}
