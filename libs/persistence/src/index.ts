export { Audience, AudienceMember } from './entities/audience.entity.js';
export { Campaign } from './entities/campaign.entity.js';
export { Recipient } from './entities/recipient.entity.js';
export { entities, ormOptions, type OrmSettings } from './orm.config.js';
export { migrate } from './migrate.js';
export { AudienceRepository } from './repositories/audience.repository.js';
export {
  CampaignRepository,
  escapeLike,
  type AudienceRow,
  type StoredContactSelection,
  type CampaignFilter,
  type NewCampaign,
} from './repositories/campaign.repository.js';
export {
  effectiveRate,
  RateLimitRepository,
  THROTTLE,
  throttleCut,
  type RateLimitView,
} from './repositories/rate-limit.repository.js';
export { RecipientRepository, type RecipientFilter } from './repositories/recipient.repository.js';
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
export { SecretBox, type EncryptionKey } from './crypto/secret-box.js';
export {
  IDEMPOTENCY_TTL_HOURS,
  IdempotencyRepository,
  type IdempotencyClaim,
} from './repositories/idempotency.repository.js';
export { IdentityRepository, sha256, type UserRecord } from './repositories/identity.repository.js';
export {
  LOGIN_THROTTLE,
  SecurityRepository,
  type AuditEntry,
} from './repositories/security.repository.js';
export {
  SettingsRepository,
  type WhatsAppCredentials,
} from './repositories/settings.repository.js';
export {
  TemplateRepository,
  type TemplateInput,
  type TemplateView,
} from './repositories/template.repository.js';
export { MikroORM } from '@mikro-orm/postgresql';
export { Contact, ContactList, ContactListMember, Suppression } from './entities/contact.entity.js';
export {
  ContactRepository,
  type ContactRow,
  type ContactView,
} from './repositories/contact.repository.js';
export {
  ContactListRepository,
  type ContactListView,
} from './repositories/contact-list.repository.js';
export {
  SuppressionRepository,
  type SuppressionEntry,
} from './repositories/suppression.repository.js';
export {
  contactSelection,
  variablesArray,
  missingVariable,
} from './repositories/contact-selection.js';
export {
  dripWorkflowId,
  SequenceRepository,
  type SequenceView,
} from './repositories/sequence.repository.js';
export {
  DripSendRepository,
  PAIR_INTERVAL_MS,
  pairKey,
  type DripMessage,
  type DripReservation,
  type DripRow,
} from './repositories/drip-send.repository.js';
export { Enrolment, Sequence, SequenceVersion } from './entities/sequence.entity.js';
export { LaunchChecks } from './repositories/launch-checks.js';
