export { campaignWorkflow } from './campaign.workflow.js';
