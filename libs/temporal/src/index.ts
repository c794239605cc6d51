export {
  CampaignLifecycle,
  type CampaignLabels,
  type CampaignSettings,
} from './campaign.lifecycle.js';
export { connectTemporalClient, type TemporalClientSettings } from './connect.js';
export {
  CAMPAIGN_SEARCH_ATTRIBUTES,
  campaignWorkflowId,
  templateActor,
  type CampaignProgress,
  type ControlRequest,
  type CountsChanged,
} from '#workflows/campaign.definitions';
export { DripLifecycle } from './drip.lifecycle.js';
export { DRIP_SEARCH_ATTRIBUTES, type DripEvent } from '#workflows/drip.definitions';
export { CampaignSchedules, type CampaignScheduleView } from './campaign-schedules.js';
export { campaignScheduleId } from '#workflows/scheduled-run.definitions';
export { SequenceRunnerLifecycle, type RunnerSettings } from './sequence-runner.lifecycle.js';
export {
  sequenceRunnerId,
  type EnrolmentCounts,
  type SequenceProgress,
} from '#workflows/sequence-runner.definitions';
export { ensureTemplateSyncSchedule } from './template-sync.schedule.js';
export { prepareNamespace, PROJECT_SEARCH_ATTRIBUTES } from './namespace.js';
