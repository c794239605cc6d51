import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '#libs/config';
import {
  CampaignRepository,
  MikroORM,
  ormOptions,
  RateLimitRepository,
  SendQueueRepository,
} from '#libs/persistence';
import { WhatsAppClient } from '#libs/whatsapp';
import { createCampaignActivities } from './activities/campaign.activities.js';
import { sendSettings } from './sending/send-settings.js';
import { workerConfigSchema } from './worker.config.js';

const logger = new Logger('worker');
const config = loadConfigOrExit(workerConfigSchema, 'worker');

const orm = await MikroORM.init(ormOptions({ databaseUrl: config.DATABASE_URL, poolMax: 20 }));
const whatsapp = new WhatsAppClient({
  baseUrl: config.WHATSAPP_API_BASE_URL,
  apiVersion: config.WHATSAPP_API_VERSION,
  token: config.WHATSAPP_TOKEN,
  timeoutMs: config.WHATSAPP_REQUEST_TIMEOUT_MS,
});

const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // Production loads a prebuilt bundle; otherwise the workflows are bundled at start-up.
  ...(config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: fileURLToPath(import.meta.resolve('#workflows/index')) }),
  // Pause and cancel reach a sending activity with a heartbeat's answer: heartbeats go out often.
  maxHeartbeatThrottleInterval: '200 milliseconds',
  activities: createCampaignActivities({
    campaigns: new CampaignRepository(orm.em),
    rateLimits: new RateLimitRepository(orm.em),
    queue: new SendQueueRepository(orm.em),
    whatsapp,
    sendSettings: sendSettings(config),
    defaultSenderRate: config.SENDER_DEFAULT_RATE,
  }),
});

logger.log(`polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}`);
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
await worker.run();
await connection.close();
await orm.close();
logger.log('stopped');
