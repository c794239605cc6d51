export {
  CampaignLifecycle,
  type CampaignLabels,
  type CampaignSettings,
} from './campaign.lifecycle.js';
export { connectTemporalClient, type TemporalClientSettings } from './connect.js';
export {
  CAMPAIGN_SEARCH_ATTRIBUTES,
  campaignWorkflowId,
  type CampaignProgress,
  type ControlRequest,
  type CountsChanged,
} from '#workflows/campaign.definitions';
export { DripLifecycle } from './drip.lifecycle.js';
export { DRIP_SEARCH_ATTRIBUTES, type DripEvent } from '#workflows/drip.definitions';
export { CampaignSchedules, type CampaignScheduleView } from './campaign-schedules.js';
export { campaignScheduleId } from '#workflows/scheduled-run.definitions';
