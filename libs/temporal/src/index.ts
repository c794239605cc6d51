export { CampaignLifecycle } from './campaign.lifecycle.js';
export { connectTemporalClient, type TemporalClientSettings } from './connect.js';
export {
  CAMPAIGN_SEARCH_ATTRIBUTES,
  campaignWorkflowId,
  type CampaignProgress,
  type StatusDelta,
} from '#workflows/campaign.definitions';
