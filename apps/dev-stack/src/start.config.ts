import { z } from 'zod';
import { portSchema } from '#libs/config';
import { temporalServerSetting } from './infrastructure.js';

/**
 * Settings of `npm start`. Everything is optional: unset parts are started locally (embedded
 * PostgreSQL, the Temporal dev server, the WhatsApp sandbox).
 */
export const startConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  EMBEDDED_POSTGRES_PORT: portSchema.default(54329),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  /** Without TEMPORAL_ADDRESS: `dev` (the CLI's dev server) or `real` (the server on PostgreSQL). */
  TEMPORAL_SERVER: temporalServerSetting,
  TEMPORAL_PORT: portSchema.default(7233),
  TEMPORAL_UI_PORT: portSchema.default(8233),
  PORT: portSchema.default(3000),
  /** Where the API, the worker's metrics and the sandbox listen; 0.0.0.0 opens them to the network. */
  HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HTTP_PORT: portSchema.default(9464),
  SANDBOX_PORT: portSchema.default(3100),
  /** Set to use Meta (or another Cloud API) instead of the sandbox. */
  WHATSAPP_API_BASE_URL: z.url().optional(),
  ADMIN_EMAIL: z.email().default('admin@example.com'),
  /** Embedded PostgreSQL data, Temporal's SQLite file and the generated dev secrets. */
  DATA_DIR: z.string().min(1).optional(),
  // Generated once into .data/dev-secrets.json when not set.
  JWT_SECRET: z.string().min(32).optional(),
  SECRETS_ENCRYPTION_KEYS: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(12).optional(),
  WHATSAPP_TOKEN: z.string().min(1).optional(),
  WHATSAPP_APP_SECRET: z.string().min(8).optional(),
  WEBHOOK_VERIFY_TOKEN: z.string().min(8).optional(),
  METRICS_TOKEN: z.string().min(16).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^\d+$/).optional(),
});

export const SECRET_KEYS = [
  'JWT_SECRET',
  'SECRETS_ENCRYPTION_KEYS',
  'ADMIN_PASSWORD',
  'WHATSAPP_TOKEN',
  'WHATSAPP_APP_SECRET',
  'WEBHOOK_VERIFY_TOKEN',
  'WHATSAPP_PHONE_NUMBER_ID',
  'METRICS_TOKEN',
] as const;
export type StartConfig = z.infer<typeof startConfigSchema>;
