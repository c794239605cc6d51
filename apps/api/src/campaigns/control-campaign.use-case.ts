import { Injectable } from '@nestjs/common';
import { DomainError } from '#libs/domain';
import { CampaignRepository } from '#libs/persistence';
import { CampaignLifecycle } from '#libs/temporal';

export type CampaignCommand = 'pause' | 'resume' | 'cancel';

/**
 * Pause, resume and cancel go through the workflow's own signals and cancellation, exactly as an
 * operator's actions in the Temporal UI do, so the two can never disagree.
 */
@Injectable()
export class ControlCampaignUseCase {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
  ) {}

  async execute(tenantId: string, id: string, command: CampaignCommand) {
    const campaign = await this.campaigns.findForTenant(tenantId, id);
    if (!campaign) throw new DomainError('not_found', `campaign ${id} not found`);
    if (['completed', 'cancelled', 'failed'].includes(campaign.status)) {
      throw new DomainError('conflict', `campaign ${id} has already ended (${campaign.status})`);
    }
    if (command === 'pause') await this.lifecycle.pause(id, 'requested through the API');
    if (command === 'resume') await this.lifecycle.resume(id);
    if (command === 'cancel') await this.lifecycle.cancel(id);
    return { id, requested: command };
  }
}
