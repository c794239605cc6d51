export * from './campaign.schemas.js';
export * from './domain-error.js';
export * from './phone.js';
export * from './recipient-status.js';
export * from './status-plan.js';
