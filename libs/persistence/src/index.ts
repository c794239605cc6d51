export { Audience, AudienceMember } from './entities/audience.entity.js';
export { Campaign } from './entities/campaign.entity.js';
export { Recipient } from './entities/recipient.entity.js';
export { entities, ormOptions, type OrmSettings } from './orm.config.js';
export { migrate } from './migrate.js';
export { AudienceRepository } from './repositories/audience.repository.js';
export {
  CampaignRepository,
  type AudienceRow,
  type NewCampaign,
} from './repositories/campaign.repository.js';
export {
  effectiveRate,
  RateLimitRepository,
  THROTTLE,
  throttleCut,
  type RateLimitView,
} from './repositories/rate-limit.repository.js';
export { RecipientRepository } from './repositories/recipient.repository.js';
export {
  campaignKey,
  countryKey,
  SendQueueRepository,
  senderKey,
  type ClaimedRecipient,
  type ClaimResult,
  type ClaimSettings,
  type SendOutcome,
} from './repositories/send-queue.repository.js';
export { MikroORM } from '@mikro-orm/postgresql';
