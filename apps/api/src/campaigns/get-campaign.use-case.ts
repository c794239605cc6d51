import { Injectable } from '@nestjs/common';
import { DomainError } from '#libs/domain';
import { CampaignRepository } from '#libs/persistence';
import { campaignWorkflowId } from '#libs/temporal';

/** A campaign with its recipients counted by status (in all and per country), from PostgreSQL. */
@Injectable()
export class GetCampaignUseCase {
  constructor(private readonly campaigns: CampaignRepository) {}

  async execute(workspaceId: string, id: string) {
    const campaign = await this.campaigns.findInWorkspace(workspaceId, id);
    if (!campaign) throw new DomainError('not_found', `campaign ${id} not found`);
    const snapshot = await this.campaigns.snapshot(id);
    return {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      statusReason: campaign.statusReason ?? null,
      statusActor: campaign.statusActor ?? null,
      sender: campaign.senderPhoneNumberId,
      template: {
        name: campaign.templateName,
        language: campaign.templateLanguage,
        parameters: campaign.templateParameters ?? null,
      },
      audienceId: campaign.audienceId ?? null,
      /** When a scheduled campaign sends (null: at launch). */
      sendAt: campaign.sendAt ?? null,
      /** The recurring campaign this is a run of. */
      scheduleId: campaign.scheduleId ?? null,
      // A sequence's ledger grows with every message: its total is what it holds now.
      totalRecipients:
        campaign.kind === 'sequence'
          ? Object.values(snapshot.counts).reduce((a, b) => a + b, 0)
          : campaign.totalRecipients,
      rejectedRecipients: campaign.rejectedRecipients,
      counts: snapshot.counts,
      byCountry: snapshot.byCountry,
      countsVersion: snapshot.version,
      workflowId: campaignWorkflowId(campaign.id),
      createdAt: campaign.createdAt,
      completedAt: campaign.completedAt ?? null,
    };
  }
}
