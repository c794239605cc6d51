import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { AccountEvent, Media } from './entities/account-signal.entity.js';
import { Audience, AudienceMember } from './entities/audience.entity.js';
import { CampaignCounts, CampaignCountryCounts } from './entities/campaign-counts.entity.js';
import { Campaign } from './entities/campaign.entity.js';
import {
  Contact,
  ContactImportNumber,
  ContactList,
  ContactListMember,
  Suppression,
} from './entities/contact.entity.js';
import {
  ApiKey,
  AuditEvent,
  IdempotencyKey,
  LoginFailure,
  RefreshToken,
  User,
  Workspace,
} from './entities/identity.entity.js';
import { ReceivedMessage } from './entities/inbound-message.entity.js';
import { RateLimit } from './entities/rate-limit.entity.js';
import { Sender, Template, WhatsAppAccount } from './entities/template-and-settings.entity.js';
import { Recipient } from './entities/recipient.entity.js';
import {
  Enrolment,
  EnrolmentJob,
  EnrolmentJournal,
  Sequence,
  SequenceVersion,
} from './entities/sequence.entity.js';
import { migrationsList } from './migrations/index.js';

export interface OrmSettings {
  databaseUrl: string;
  /** Connection pool ceiling; the worker sizes it to its activity concurrency. */
  poolMax?: number;
  debug?: boolean;
}

export const entities = [
  Campaign,
  Contact,
  ContactImportNumber,
  ContactList,
  ContactListMember,
  Suppression,
  Sequence,
  SequenceVersion,
  Enrolment,
  EnrolmentJournal,
  EnrolmentJob,
  Recipient,
  RateLimit,
  CampaignCounts,
  CampaignCountryCounts,
  Audience,
  AudienceMember,
  Workspace,
  User,
  RefreshToken,
  ApiKey,
  AuditEvent,
  LoginFailure,
  IdempotencyKey,
  Template,
  WhatsAppAccount,
  Sender,
  AccountEvent,
  Media,
  ReceivedMessage,
];

/** One ORM configuration for the API, the worker, migrations and tests. */
export function ormOptions(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: settings.poolMax ?? 10 },
    debug: settings.debug ?? false,
    // The counting triggers and their functions are written in the migrations by hand: tables,
    // columns and indexes are compared with the entities, those are not.
    schemaGenerator: { ignoreTriggers: true, ignoreRoutines: true },
    // Schema comes from the checked-in migrations only, never from auto-sync.
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      // Migrations are written by hand; no schema snapshot files are wanted at run time.
      snapshot: false,
    },
  });
}
