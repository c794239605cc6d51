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
  WHATSAPP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

/**
 * Keys that encrypt credentials at rest: `id:<32 bytes base64>`, comma-separated, the current
 * key first; older keys only decrypt, and the API re-encrypts values under them at start-up.
 */
export const encryptionSettings = z.object({
  SECRETS_ENCRYPTION_KEYS: z
    .string({
      error: 'required: id:<32 random bytes in base64>, e.g. k1:$(openssl rand -base64 32)',
    })
    .regex(/^[\w-]+:[A-Za-z0-9+/]{43}=(,[\w-]+:[A-Za-z0-9+/]{43}=)*$/, {
      error: 'must be id:<32 bytes in base64>, comma-separated, the current key first',
    }),
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

/**
 * Settings frozen into each campaign and sequence-runner workflow when it starts (a change
 * reaches workflows started after it): read by the API, which starts them, and by the worker,
 * which starts a sequence's runner when an enrolment hands over to it.
 */
export const workflowSettings = z.object({
  /** How long a send whose answer was lost waits for a status before it fails as unknown_outcome. */
  CAMPAIGN_UNKNOWN_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** Signals one workflow run takes before continuing as new (Temporal refuses more than 10,000). */
  CAMPAIGN_MAX_SIGNALS_PER_RUN: z.coerce.number().int().min(10).max(9_000).default(2_000),
});
