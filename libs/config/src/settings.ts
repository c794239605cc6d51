import { z } from 'zod';

/** Setting groups shared by the processes; each process composes its own schema from these. */

const port = z.coerce.number().int().min(1).max(65535);

export const databaseSettings = z.object({
  DATABASE_URL: z
    .string({ error: 'required: a postgres:// connection URL' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
});

export const temporalSettings = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('campaigns'),
});

export const whatsappSettings = z.object({
  WHATSAPP_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  WHATSAPP_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v24.0')
    .default('v24.0'),
  WHATSAPP_TOKEN: z.string({ error: 'required: the Cloud API access token' }).min(1),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string({ error: 'required: the sending phone-number id' })
    .regex(/^\d+$/, 'must be the numeric phone-number id'),
  WHATSAPP_APP_SECRET: z
    .string({ error: 'required: the Meta app secret that signs webhooks' })
    .min(8, 'must be at least 8 characters'),
  WHATSAPP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export const httpSettings = z.object({
  PORT: port.default(3000),
  /** Listen on this address only; set 0.0.0.0 to be reachable from other machines. */
  HOST: z.string().min(1).default('127.0.0.1'),
});

export const portSchema = port;

export const logSettings = z.object({
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});
