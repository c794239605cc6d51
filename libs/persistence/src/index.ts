export { Campaign } from './entities/campaign.entity.js';
export { Recipient } from './entities/recipient.entity.js';
export { entities, ormOptions, type OrmSettings } from './orm.config.js';
export { migrate } from './migrate.js';
export {
  CampaignRepository,
  type AudienceRow,
  type NewCampaign,
} from './repositories/campaign.repository.js';
export {
  RecipientRepository,
  type SendableRecipient,
} from './repositories/recipient.repository.js';
export { MikroORM } from '@mikro-orm/postgresql';
