import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  campaignKey,
  type CampaignRepository,
  type RateLimitRepository,
  type SendQueueRepository,
} from '#libs/persistence';
import type { CampaignActivities } from '#workflows/campaign.activities';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import type { SendSettings } from '../sending/send-session.js';
import type { WhatsAppAccounts } from '#libs/whatsapp';
import { createSendRecipients, type SequenceSendDeps } from './send-recipients.activity.js';

export interface CampaignActivityDeps {
  campaigns: CampaignRepository;
  rateLimits: RateLimitRepository;
  queue: SendQueueRepository;
  /** Each workspace sends with its own Cloud API token. */
  whatsapp: WhatsAppAccounts;
  sendSettings: SendSettings;
  /** The rate a sender gets until an operator sets one. */
  defaultSenderRate: number;
  metrics?: WorkerMetrics;
  /** What the send activity needs for a sequence's ledger: its enrolments feed the session. */
  sequences?: SequenceSendDeps;
}

/** Builds the campaign activities from injected services; the worker registers the result. */
export function createCampaignActivities(deps: CampaignActivityDeps): CampaignActivities {
  const { campaigns, rateLimits } = deps;
  return {
    async beginCampaign({ campaignId }) {
      const campaign = await campaigns.findById(campaignId);
      // The API starts the workflow before it commits the row; until then this is retried.
      if (!campaign) throw ApplicationFailure.retryable(`campaign ${campaignId} is not stored yet`);
      await campaigns.freezeAudience(campaignId);
      const policy = await campaigns.applyDeliveryPolicy(campaignId);
      if (policy.deferred || policy.capped) {
        Context.current().log.info('delivery policy applied', { campaignId, ...policy });
      }
      if (campaign.status === 'launching' || campaign.status === 'scheduled') {
        await campaigns.setStatus(campaignId, 'running');
      }
      return campaigns.snapshot(campaignId);
    },
    sendRecipients: createSendRecipients(deps),
    async expireUnknown({ campaignId, windowMs }) {
      const { nextExpiryAt } = await campaigns.expireUnknown(campaignId, windowMs);
      return { snapshot: await campaigns.snapshot(campaignId), nextExpiryAt };
    },
    readCounts: ({ campaignId }) => campaigns.snapshot(campaignId),
    async setCampaignStatus({ campaignId, status, reason, actor }) {
      await campaigns.setStatus(campaignId, status, { reason, actor });
    },
    async requeueFailed({ campaignId }) {
      const requeued = await campaigns.requeueFailed(campaignId);
      if (requeued > 0) await campaigns.reopen(campaignId);
      return { requeued, snapshot: await campaigns.snapshot(campaignId) };
    },
    async setCampaignRate({ campaignId, ratePerSecond }) {
      if (ratePerSecond === null) await rateLimits.remove(campaignKey(campaignId));
      else await rateLimits.set(campaignKey(campaignId), ratePerSecond);
    },
    async finishCampaign({ campaignId, status, reason }) {
      if (status !== 'completed') await campaigns.cancelUnsent(campaignId, `campaign ${status}`);
      // Nothing stays unknown once a campaign has closed.
      await campaigns.expireUnknown(campaignId, 0);
      await rateLimits.remove(campaignKey(campaignId));
      await campaigns.setStatus(campaignId, status, { reason });
      return campaigns.snapshot(campaignId);
    },
  };
}
