export { campaignWorkflow } from './campaign.workflow.js';
export { scheduledCampaignRun } from './scheduled-run.workflow.js';
