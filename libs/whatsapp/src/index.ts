export * from './account-webhook.schemas.js';
export * from './cloud-api.types.js';
export * from './error-classes.js';
export * from './errors.js';
export * from './webhook.codec.js';
export * from './whatsapp.client.js';
export * from './template-management.types.js';
export * from './whatsapp-accounts.js';
