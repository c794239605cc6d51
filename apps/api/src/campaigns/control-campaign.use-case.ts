import { Injectable } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CLOSED_CAMPAIGN_STATUSES, DomainError } from '#libs/domain';
import { CampaignRepository } from '#libs/persistence';
import { CampaignLifecycle } from '#libs/temporal';
import { LaunchCampaignUseCase } from './launch-campaign.use-case.js';

export type CampaignCommand = 'pause' | 'resume' | 'cancel' | 'retry-failed';

/**
 * Pause, resume, cancel and retry-failed go through the workflow's own signals, cancellation
 * and update, exactly as an operator's actions in the Temporal UI or CLI do, so the two can
 * never disagree.
 */
@Injectable()
export class ControlCampaignUseCase {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly launch: LaunchCampaignUseCase,
  ) {}

  async execute(
    workspaceId: string,
    id: string,
    command: CampaignCommand,
    request: { reason?: string; actor: string },
  ) {
    const campaign = await this.campaigns.findInWorkspace(workspaceId, id);
    // A sequence's ledger shares the table, not the commands: its runner is steered through
    // /v1/sequences.
    if (!campaign || campaign.kind !== 'campaign') {
      throw new DomainError('not_found', `campaign ${id} not found`);
    }
    const closed = CLOSED_CAMPAIGN_STATUSES.includes(campaign.status);
    if (command === 'retry-failed') {
      if (['cancelled', 'launching', 'scheduled'].includes(campaign.status)) {
        throw new DomainError('conflict', `campaign ${id} is ${campaign.status}`);
      }
      const { requeued } = await this.lifecycle.retryFailed(
        id,
        workspaceId,
        this.launch.workflowSettings(),
        {
          name: campaign.name,
          sender: campaign.senderPhoneNumberId,
          template: { name: campaign.templateName, language: campaign.templateLanguage },
        },
        await this.campaigns.snapshot(id),
        request,
      );
      return { id, requested: command, requeued };
    }
    if (closed) {
      throw new DomainError('conflict', `campaign ${id} has already ended (${campaign.status})`);
    }
    try {
      if (command === 'pause') await this.lifecycle.pause(id, request);
      if (command === 'resume') await this.lifecycle.resume(id, request);
      if (command === 'cancel') await this.lifecycle.cancel(id);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new DomainError('conflict', `campaign ${id} is not running`);
      }
      throw err;
    }
    return { id, requested: command };
  }
}
