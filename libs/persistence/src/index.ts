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
  type CampaignStopRequest,
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
  storedTemplateModel,
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
  EnrolmentRepository,
  type BatchPlan,
  type DueBatch,
  type DueEnrolment,
  type EnrolmentContact,
  type EnrolmentUpdate,
  type MessageRow,
  type NewMessage,
} from './repositories/enrolment.repository.js';
export {
  EnrolmentIntakeRepository,
  type Heard,
  type HeardMessage,
  type HeardRead,
} from './repositories/enrolment-intake.repository.js';
export {
  EnrolmentJobRepository,
  type EnrolmentJobView,
} from './repositories/enrolment-job.repository.js';
export {
  Enrolment,
  EnrolmentJob,
  EnrolmentJournal,
  Sequence,
  SequenceVersion,
} from './entities/sequence.entity.js';
export { LaunchChecks } from './repositories/launch-checks.js';
export {
  AccountEventRepository,
  type AccountEventFilter,
  type AccountEventView,
  type NewAccountEvent,
} from './repositories/account-event.repository.js';
export { AccountEvent, Media } from './entities/account-signal.entity.js';
export { syncTemplates, type TemplateCatalogue, type TemplateSyncResult } from './template-sync.js';
export {
  MEDIA_ID_LIFETIME_MS,
  MediaRepository,
  type MediaView,
  type NewMedia,
} from './repositories/media.repository.js';
export {
  InboundMessageRepository,
  SERVICE_WINDOW_HOURS,
  type InboundCursor,
  type InboundMessageView,
  type InboundScope,
  type NewInboundMessage,
} from './repositories/inbound-message.repository.js';
export { ReceivedMessage } from './entities/inbound-message.entity.js';
