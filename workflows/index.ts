export { campaignWorkflow } from './campaign.workflow.js';
export { dripWorkflow } from './drip.workflow.js';
export { scheduledCampaignRun } from './scheduled-run.workflow.js';
