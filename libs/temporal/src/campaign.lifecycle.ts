import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  campaignIdKey,
  campaignStatusKey,
  campaignWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  statusDeltaSignal,
  tenantIdKey,
  type CampaignWorkflowInput,
  type StatusDelta,
} from '#workflows/campaign.definitions';

/** Client-side helpers for the campaign workflow: the API and tests start and steer it here. */
export class CampaignLifecycle {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(input: Omit<CampaignWorkflowInput, 'version'>): Promise<string> {
    const workflowId = campaignWorkflowId(input.campaignId);
    await this.client.workflow.start('campaignWorkflow', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ version: 1, ...input } satisfies CampaignWorkflowInput],
      // A campaign id runs at most once: a second launch of the same id is refused.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: campaignIdKey, value: input.campaignId },
        { key: tenantIdKey, value: input.tenantId },
        { key: campaignStatusKey, value: 'sending' },
      ],
    });
    return workflowId;
  }

  pause(campaignId: string, reason?: string) {
    return this.handle(campaignId).signal(pauseSignal, { reason });
  }

  resume(campaignId: string) {
    return this.handle(campaignId).signal(resumeSignal);
  }

  cancel(campaignId: string) {
    return this.handle(campaignId).cancel();
  }

  progress(campaignId: string) {
    return this.handle(campaignId).query(progressQuery);
  }

  /**
   * Delivers a batch of status transitions. A campaign that has already closed no longer needs
   * them (PostgreSQL holds the statuses), so that case is not an error.
   */
  async signalStatusDelta(campaignId: string, delta: StatusDelta): Promise<boolean> {
    try {
      await this.handle(campaignId).signal(statusDeltaSignal, delta);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  private handle(campaignId: string) {
    return this.client.workflow.getHandle(campaignWorkflowId(campaignId));
  }
}
