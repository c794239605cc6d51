import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '#libs/config';
import { CampaignRepository, MikroORM, ormOptions, RecipientRepository } from '#libs/persistence';
import { WhatsAppClient } from '#libs/whatsapp';
import { createCampaignActivities } from './activities/campaign.activities.js';
import { workerConfigSchema } from './worker.config.js';

const logger = new Logger('worker');
const config = loadConfigOrExit(workerConfigSchema, 'worker');

const orm = await MikroORM.init(
  ormOptions({ databaseUrl: config.DATABASE_URL, poolMax: config.SEND_CONCURRENCY + 4 }),
);
const whatsapp = new WhatsAppClient({
  baseUrl: config.WHATSAPP_API_BASE_URL,
  apiVersion: config.WHATSAPP_API_VERSION,
  token: config.WHATSAPP_TOKEN,
  phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID,
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
  activities: createCampaignActivities({
    campaigns: new CampaignRepository(orm.em),
    recipients: new RecipientRepository(orm.em),
    whatsapp,
    sendConcurrency: config.SEND_CONCURRENCY,
    sendMaxAttempts: config.SEND_MAX_ATTEMPTS,
  }),
});

logger.log(`polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}`);
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
await worker.run();
await connection.close();
await orm.close();
logger.log('stopped');
