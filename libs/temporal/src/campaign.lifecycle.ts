import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { CountsSnapshot } from '#libs/domain';
import {
  campaignIdKey,
  campaignNameKey,
  campaignStatusKey,
  campaignWorkflowId,
  countsChangedSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  retryFailedUpdate,
  senderNumberKey,
  setRateUpdate,
  workspaceIdKey,
  type CampaignWorkflowInput,
  type ControlRequest,
  type CountsChanged,
} from '#workflows/campaign.definitions';
import type { campaignWorkflow } from '#workflows/campaign.workflow';

export interface CampaignLabels {
  name: string;
  sender: string;
  template: { name: string; language: string };
}

export type CampaignSettings = Omit<
  CampaignWorkflowInput,
  'version' | 'campaignId' | 'workspaceId' | 'carried' | 'sendAt'
>;

/** Client-side helpers for the campaign workflow: the API and tests start and steer it here. */
export class CampaignLifecycle {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts workflow `campaign-<id>`. The API calls it before it commits the campaign's row, and
   * the workflow's first activity waits for that row: a crash in between leaves a workflow that
   * gives up after a while, never a campaign without a workflow. With `sendAt` the workflow
   * starts now, as `scheduled`, and waits on a durable timer: a cancellation before then ends
   * it at once, with nothing sent.
   */
  async start(
    campaignId: string,
    workspaceId: string,
    settings: CampaignSettings,
    labels: CampaignLabels,
    sendAt: Date | null = null,
  ) {
    const workflowId = campaignWorkflowId(campaignId);
    await this.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      ...this.startOptions(campaignId, workspaceId, labels, sendAt ? 'scheduled' : 'launching'),
      args: [
        {
          version: 1,
          campaignId,
          workspaceId,
          ...settings,
          ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
        },
      ],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    });
    return workflowId;
  }

  /** Ends a workflow whose campaign could not be stored. */
  abandon(campaignId: string, reason: string) {
    return this.handle(campaignId).terminate(reason);
  }

  pause(campaignId: string, request: ControlRequest) {
    return this.handle(campaignId).signal(pauseSignal, request);
  }

  resume(campaignId: string, request: ControlRequest) {
    return this.handle(campaignId).signal(resumeSignal, request);
  }

  cancel(campaignId: string) {
    return this.handle(campaignId).cancel();
  }

  progress(campaignId: string) {
    return this.handle(campaignId).query(progressQuery);
  }

  setRate(campaignId: string, ratePerSecond: number | null) {
    return this.handle(campaignId).executeUpdate(setRateUpdate, { args: [{ ratePerSecond }] });
  }

  /**
   * "Retry failed": the running workflow re-queues its failed recipients; a closed campaign gets
   * a new run that starts straight in the sending phase (update-with-start).
   */
  async retryFailed(
    campaignId: string,
    workspaceId: string,
    settings: CampaignSettings,
    labels: CampaignLabels,
    snapshot: CountsSnapshot,
    request: ControlRequest,
  ): Promise<{ requeued: number }> {
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof campaignWorkflow>(
      'campaignWorkflow',
      {
        ...this.startOptions(campaignId, workspaceId, labels, 'running'),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        args: [
          {
            version: 1,
            campaignId,
            workspaceId,
            ...settings,
            carried: {
              phase: 'sending',
              paused: false,
              reason: null,
              actor: null,
              snapshot,
              settleDeadline: null,
              nextUnknownExpiryAt: null,
              resumeAt: null,
            },
          },
        ],
      },
    );
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.workflow.executeUpdateWithStart(retryFailedUpdate, {
          args: [request],
          startWorkflowOperation:
            attempt === 1 ? startWorkflowOperation : cloneOperation(startWorkflowOperation),
        });
      } catch (err) {
        // Refused while the campaign was closing: once it has closed, a new run takes the retry.
        const closing =
          err instanceof WorkflowUpdateFailedError && /closing/.test(String(err.cause?.message));
        if (!closing || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Delivers a counts snapshot. A campaign that has already closed no longer needs it
   * (PostgreSQL holds the statuses), so that case is not an error.
   */
  async signalCounts(campaignId: string, payload: CountsChanged): Promise<boolean> {
    try {
      await this.handle(campaignId).signal(countsChangedSignal, payload);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  private startOptions(
    campaignId: string,
    workspaceId: string,
    labels: CampaignLabels,
    status: 'scheduled' | 'launching' | 'running',
  ) {
    return {
      taskQueue: this.taskQueue,
      workflowId: campaignWorkflowId(campaignId),
      // A closed campaign's id is reused only by a new run of the same campaign (retry failed).
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: campaignIdKey, value: campaignId },
        { key: workspaceIdKey, value: workspaceId },
        { key: campaignStatusKey, value: status },
        { key: campaignNameKey, value: labels.name },
        { key: senderNumberKey, value: labels.sender },
      ],
      memo: {
        name: labels.name,
        template: `${labels.template.name} (${labels.template.language})`,
      },
      // Shown in the Temporal UI beside the workflow id.
      staticSummary: `${labels.name} · template ${labels.template.name} (${labels.template.language}) · from ${labels.sender}`,
    };
  }

  private handle(campaignId: string) {
    return this.client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(campaignId));
  }
}

/** An operation can be used once; retries need a fresh one with the same options. */
function cloneOperation(op: WithStartWorkflowOperation<typeof campaignWorkflow>) {
  return new WithStartWorkflowOperation<typeof campaignWorkflow>(op.workflowTypeOrFunc, op.options);
}
