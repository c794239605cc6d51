import type { CampaignRepository, RecipientRepository } from '#libs/persistence';
import type { WhatsAppClient } from '#libs/whatsapp';
import type { CampaignActivities } from '#workflows/campaign.activities';
import { createSendChunk } from './send-chunk.activity.js';

export interface CampaignActivityDeps {
  campaigns: CampaignRepository;
  recipients: RecipientRepository;
  whatsapp: WhatsAppClient;
  sendConcurrency: number;
  sendMaxAttempts: number;
}

/** Builds the campaign activities from injected services; the worker registers the result. */
export function createCampaignActivities(deps: CampaignActivityDeps): CampaignActivities {
  const { campaigns, recipients } = deps;

  const loadTemplate = async (campaignId: string) => {
    const campaign = await campaigns.findById(campaignId);
    if (!campaign) throw new Error(`campaign ${campaignId} does not exist`);
    return { name: campaign.templateName, language: campaign.templateLanguage };
  };

  return {
    async beginCampaign({ campaignId }) {
      await campaigns.setStatus(campaignId, 'running');
      return campaigns.countsByStatus(campaignId);
    },
    sendChunk: createSendChunk({
      recipients,
      whatsapp: deps.whatsapp,
      loadTemplate,
      concurrency: deps.sendConcurrency,
      maxAttempts: deps.sendMaxAttempts,
    }),
    countRecipients: ({ campaignId }) => campaigns.countsByStatus(campaignId),
    setCampaignStatus: ({ campaignId, status, reason }) =>
      campaigns.setStatus(campaignId, status, reason),
    async finishCampaign({ campaignId, status, reason }) {
      if (status !== 'completed') await recipients.cancelUnsent(campaignId);
      await campaigns.setStatus(campaignId, status, reason);
      return campaigns.countsByStatus(campaignId);
    },
  };
}
