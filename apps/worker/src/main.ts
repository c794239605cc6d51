import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '#libs/config';
import { createLogger, freePort, temporalLogger } from '#libs/observability';
import {
  CampaignRepository,
  ContactListRepository,
  ContactRepository,
  EnrolmentJobRepository,
  EnrolmentRepository,
  LaunchChecks,
  MediaRepository,
  MikroORM,
  ormOptions,
  RateLimitRepository,
  SecretBox,
  SendQueueRepository,
  SequenceRepository,
  SettingsRepository,
  TemplateRepository,
} from '#libs/persistence';
import { SequenceRunnerLifecycle } from '#libs/temporal';
import { createCampaignActivities } from './activities/campaign.activities.js';
import { createDripActivities } from './activities/drip.activities.js';
import { createScheduleActivities } from './activities/schedule.activities.js';
import { createSequenceRunnerActivities } from './activities/sequence-runner.activities.js';
import { startWorkerHttp } from './observability/worker-http.js';
import { WorkerMetrics } from './observability/worker-metrics.js';
import { sendSettings } from './sending/send-settings.js';
import { WhatsAppAccounts } from '#libs/whatsapp';
import { createTemplateSyncActivities } from './activities/template-sync.activities.js';
import { workerConfigSchema } from './worker.config.js';

const config = loadConfigOrExit(workerConfigSchema, 'worker');
const logger = createLogger('worker', config.LOG_LEVEL);

// The SDK's runtime logs through the same logger and serves its metrics on a local port, which
// this worker's /metrics appends to its own.
const sdkMetricsPort = await freePort();
Runtime.install({
  logger: temporalLogger(logger),
  telemetryOptions: {
    metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } },
  },
});

const metrics = new WorkerMetrics();
const orm = await MikroORM.init(ormOptions({ databaseUrl: config.DATABASE_URL, poolMax: 20 }));
const settings = new SettingsRepository(
  orm.em,
  SecretBox.fromSetting(config.SECRETS_ENCRYPTION_KEYS),
);
const campaigns = new CampaignRepository(orm.em);
const whatsapp = new WhatsAppAccounts(settings, {
  baseUrl: config.WHATSAPP_API_BASE_URL,
  apiVersion: config.WHATSAPP_API_VERSION,
  timeoutMs: config.WHATSAPP_REQUEST_TIMEOUT_MS,
});

const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
// A client of its own, for waking a sequence's runner when an enrolment hands over to it.
const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const runners = new SequenceRunnerLifecycle(
  new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
  config.TEMPORAL_TASK_QUEUE,
  {
    unknownWindowMs: config.CAMPAIGN_UNKNOWN_WINDOW_MS,
    maxSignalsPerRun: config.CAMPAIGN_MAX_SIGNALS_PER_RUN,
  },
);
const sequences = new SequenceRepository(orm.em);
const templates = new TemplateRepository(orm.em);
const enrolments = new EnrolmentRepository(orm.em);
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // Production loads a prebuilt bundle; otherwise the workflows are bundled at start-up.
  ...(config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: fileURLToPath(import.meta.resolve('#workflows/index')) }),
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  // Pause and cancel reach a sending activity with a heartbeat's answer: heartbeats go out often.
  maxHeartbeatThrottleInterval: '200 milliseconds',
  activities: {
    ...createCampaignActivities({
      campaigns,
      rateLimits: new RateLimitRepository(orm.em),
      queue: new SendQueueRepository(orm.em),
      whatsapp,
      sendSettings: sendSettings(config),
      defaultSenderRate: config.SENDER_DEFAULT_RATE,
      metrics,
      sequences: {
        feeder: { enrolments, sequences, templates },
        feederSettings: { batch: 500, everyMs: 200, feedBudgetMs: 1_000 },
      },
    }),
    ...createSequenceRunnerActivities({ sequences, jobs: new EnrolmentJobRepository(orm.em) }),
    // Enrolments still run by their per-contact workflow hand over to their sequence's runner.
    ...createDripActivities({
      enrolments,
      sequences,
      wakeRunner: (sequenceId, workspaceId) => runners.wake(sequenceId, workspaceId),
    }),
    // The template sync schedule pulls each account's templates from Meta.
    ...createTemplateSyncActivities({ settings, templates, whatsapp }),
    // Each run of a recurring campaign stores its campaign after a launch's checks.
    ...createScheduleActivities({
      campaigns,
      checks: new LaunchChecks(
        settings,
        templates,
        new ContactRepository(orm.em),
        new ContactListRepository(orm.em),
        new MediaRepository(orm.em),
      ),
    }),
  },
});

const http = await startWorkerHttp(
  {
    registry: metrics.registry,
    sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
    polling: () => worker.getState() === 'RUNNING',
  },
  config.WORKER_HTTP_PORT,
  config.HOST,
).catch((err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE') throw err;
  process.stderr.write(
    `worker: ${config.HOST}:${config.WORKER_HTTP_PORT} is already in use; stop what uses it or set WORKER_HTTP_PORT\n`,
  );
  process.exit(1);
});
logger.info(
  { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS },
  `worker polling; metrics and health on http://${config.HOST}:${config.WORKER_HTTP_PORT}`,
);
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
await worker.run();
http.close();
await connection.close();
await clientConnection.close();
await orm.close();
logger.info('worker stopped');
