export { campaignWorkflow } from './campaign.workflow.js';
export { dripWorkflow } from './drip.workflow.js';
export { scheduledCampaignRun } from './scheduled-run.workflow.js';
export { sequenceRunner } from './sequence-runner.workflow.js';
export { templateSyncWorkflow } from './template-sync.workflow.js';
