import { Injectable } from '@nestjs/common';
import { DomainError } from '#libs/domain';
import { CampaignRepository } from '#libs/persistence';
import { campaignWorkflowId } from '#libs/temporal';

/** A campaign with its recipients counted by status, read from PostgreSQL. */
@Injectable()
export class GetCampaignUseCase {
  constructor(private readonly campaigns: CampaignRepository) {}

  async execute(tenantId: string, id: string) {
    const campaign = await this.campaigns.findForTenant(tenantId, id);
    if (!campaign) throw new DomainError('not_found', `campaign ${id} not found`);
    const counts = await this.campaigns.countsByStatus(id);
    return {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      statusReason: campaign.statusReason ?? null,
      template: { name: campaign.templateName, language: campaign.templateLanguage },
      totalRecipients: campaign.totalRecipients,
      rejectedRecipients: campaign.rejectedRecipients,
      counts,
      workflowId: campaignWorkflowId(campaign.id),
      createdAt: campaign.createdAt,
      completedAt: campaign.completedAt ?? null,
    };
  }
}
