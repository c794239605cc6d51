import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  CancellationScope,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  campaignIdKey,
  campaignNameKey,
  campaignStatusKey,
  campaignWorkflowId,
  senderNumberKey,
  workspaceIdKey,
} from './campaign.definitions.js';
import { campaignWorkflow } from './campaign.workflow.js';
import type {
  ScheduledRunActivities,
  ScheduledRunInput,
  ScheduledRunResult,
} from './scheduled-run.definitions.js';

const { prepareScheduledCampaign } = proxyActivities<ScheduledRunActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Set by Temporal on every workflow a schedule starts: the moment the run was due. */
const scheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/**
 * One run of a recurring campaign, started by its Temporal Schedule. It stores the run's
 * campaign (audience: the schedule's list or filter as it is now) and runs it as the child
 * workflow `campaign-<id>`, waiting for it, so the schedule's overlap policy applies while the
 * campaign is still sending. A run that cannot start ends with a failed campaign and its reason.
 */
export async function scheduledCampaignRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  const info = workflowInfo();
  const runAt = info.typedSearchAttributes.get(scheduledStartTimeKey) ?? info.startTime;
  const campaignId = uuid4();
  const name = `${input.name} ${runAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const { template } = input.launch;

  const prepared = await prepareScheduledCampaign({
    campaignId,
    scheduleId: input.scheduleId,
    workspaceId: input.workspaceId,
    name,
    launch: input.launch,
  });
  if (prepared.status === 'failed') {
    log.warn('scheduled run not started', { campaignId, reason: prepared.reason });
    return { campaignId, outcome: 'not_started', reason: prepared.reason };
  }

  try {
    await executeChild(campaignWorkflow, {
      workflowId: campaignWorkflowId(campaignId),
      args: [{ version: 1, campaignId, workspaceId: input.workspaceId, ...input.settings }],
      // Closing the run (terminate_other, a deleted schedule's cleanup) cancels the campaign,
      // whose cleanup marks its unsent recipients cancelled.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: campaignIdKey, value: campaignId },
        { key: workspaceIdKey, value: input.workspaceId },
        { key: campaignStatusKey, value: 'launching' },
        { key: campaignNameKey, value: name },
        { key: senderNumberKey, value: prepared.sender },
      ],
      memo: {
        name,
        template: `${template.name} (${template.language})`,
        schedule: input.scheduleId,
      },
      staticSummary: `${name} · template ${template.name} (${template.language}) · from ${prepared.sender} · recurring`,
    });
    return { campaignId, outcome: 'completed', reason: null };
  } catch (err) {
    // The run itself was cancelled (cancel_other): it ends cancelled, after its campaign.
    if (CancellationScope.current().consideredCancelled) throw err;
    const cancelled = isCancellation(err);
    const cause = (err as Error).cause;
    const reason = cause instanceof Error ? cause.message : (err as Error).message;
    log.warn('scheduled run ended without completing', { campaignId, reason });
    return { campaignId, outcome: cancelled ? 'cancelled' : 'failed', reason };
  }
}
