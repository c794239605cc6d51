import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Client } from '@temporalio/client';
import {
  AccountEventRepository,
  AudienceRepository,
  CampaignRepository,
  ContactListRepository,
  ContactRepository,
  EnrolmentIntakeRepository,
  EnrolmentJobRepository,
  IdempotencyRepository,
  IdentityRepository,
  InboundMessageRepository,
  LaunchChecks,
  MediaRepository,
  MikroORM,
  ormOptions,
  RateLimitRepository,
  RecipientRepository,
  SecretBox,
  SecurityRepository,
  SendQueueRepository,
  SequenceRepository,
  SettingsRepository,
  SuppressionRepository,
  TemplateRepository,
} from '#libs/persistence';
import {
  CampaignLifecycle,
  CampaignSchedules,
  connectTemporalClient,
  DripLifecycle,
  SequenceRunnerLifecycle,
} from '#libs/temporal';
import { WhatsAppAccounts } from '#libs/whatsapp';
import { EnrolmentEvents } from '../sequences/enrolment-events.js';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');

/** Repositories built on the ORM's entity manager alone. */
const ORM_REPOSITORIES = [
  CampaignRepository,
  RecipientRepository,
  AudienceRepository,
  RateLimitRepository,
  IdentityRepository,
  SecurityRepository,
  TemplateRepository,
  IdempotencyRepository,
  ContactRepository,
  ContactListRepository,
  SuppressionRepository,
  SequenceRepository,
  EnrolmentIntakeRepository,
  EnrolmentJobRepository,
  AccountEventRepository,
  SendQueueRepository,
  MediaRepository,
  InboundMessageRepository,
];

/**
 * The API's connections to PostgreSQL and Temporal, and the repositories and workflow helpers
 * built on them. Closed on shutdown.
 */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(
    private readonly orm: MikroORM,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: API_CONFIG, useValue: config },
        {
          provide: MikroORM,
          useFactory: () => MikroORM.init(ormOptions({ databaseUrl: config.DATABASE_URL })),
        },
        {
          provide: TEMPORAL_CLIENT,
          useFactory: () =>
            connectTemporalClient({
              address: config.TEMPORAL_ADDRESS,
              namespace: config.TEMPORAL_NAMESPACE,
            }),
        },
        ...ORM_REPOSITORIES.map((Repository) => ({
          provide: Repository,
          inject: [MikroORM],
          useFactory: (orm: MikroORM) => new Repository(orm.em),
        })),
        {
          provide: SettingsRepository,
          inject: [MikroORM],
          useFactory: (orm: MikroORM) =>
            new SettingsRepository(orm.em, SecretBox.fromSetting(config.SECRETS_ENCRYPTION_KEYS)),
        },
        {
          provide: CampaignLifecycle,
          inject: [TEMPORAL_CLIENT],
          useFactory: (client: Client) => new CampaignLifecycle(client, config.TEMPORAL_TASK_QUEUE),
        },
        {
          provide: DripLifecycle,
          inject: [TEMPORAL_CLIENT],
          useFactory: (client: Client) => new DripLifecycle(client),
        },
        {
          provide: SequenceRunnerLifecycle,
          inject: [TEMPORAL_CLIENT],
          useFactory: (client: Client) =>
            new SequenceRunnerLifecycle(client, config.TEMPORAL_TASK_QUEUE, {
              unknownWindowMs: config.CAMPAIGN_UNKNOWN_WINDOW_MS,
              maxSignalsPerRun: config.CAMPAIGN_MAX_SIGNALS_PER_RUN,
            }),
        },
        EnrolmentEvents,
        {
          provide: WhatsAppAccounts,
          inject: [SettingsRepository],
          useFactory: (settings: SettingsRepository) =>
            new WhatsAppAccounts(settings, {
              baseUrl: config.WHATSAPP_API_BASE_URL,
              apiVersion: config.WHATSAPP_API_VERSION,
              timeoutMs: config.WHATSAPP_REQUEST_TIMEOUT_MS,
            }),
        },
        {
          provide: CampaignSchedules,
          inject: [TEMPORAL_CLIENT],
          useFactory: (client: Client) => new CampaignSchedules(client, config.TEMPORAL_TASK_QUEUE),
        },
        {
          provide: LaunchChecks,
          inject: [
            SettingsRepository,
            TemplateRepository,
            ContactRepository,
            ContactListRepository,
            MediaRepository,
          ],
          useFactory: (
            settings: SettingsRepository,
            templates: TemplateRepository,
            contacts: ContactRepository,
            lists: ContactListRepository,
            media: MediaRepository,
          ) => new LaunchChecks(settings, templates, contacts, lists, media),
        },
      ],
      exports: [
        API_CONFIG,
        MikroORM,
        TEMPORAL_CLIENT,
        ...ORM_REPOSITORIES,
        SettingsRepository,
        CampaignLifecycle,
        DripLifecycle,
        SequenceRunnerLifecycle,
        EnrolmentEvents,
        WhatsAppAccounts,
        CampaignSchedules,
        LaunchChecks,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.temporal.connection.close();
    await this.orm.close();
  }
}
