import { z } from 'zod';
import {
  databaseSettings,
  httpSettings,
  logSettings,
  temporalSettings,
  whatsappSettings,
} from '#libs/config';

export const apiConfigSchema = z.object({
  ...databaseSettings.shape,
  ...temporalSettings.shape,
  ...httpSettings.shape,
  ...logSettings.shape,
  /** The Temporal Web UI operators use, linked from the API's root. */
  TEMPORAL_UI_URL: z.url().optional(),
  WHATSAPP_APP_SECRET: whatsappSettings.shape.WHATSAPP_APP_SECRET,
  WEBHOOK_VERIFY_TOKEN: z
    .string({ error: 'required: the token Meta presents in the webhook verification handshake' })
    .min(8, 'must be at least 8 characters'),
  JWT_SECRET: z
    .string({ error: 'required: the HMAC secret that signs access tokens' })
    .min(32, 'must be at least 32 characters'),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  ADMIN_EMAIL: z.email({ error: 'required: the seeded administrator e-mail' }),
  ADMIN_PASSWORD: z
    .string({ error: 'required: the seeded administrator password' })
    .min(12, 'must be at least 12 characters'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/, 'must look like 512kb or 2mb')
    .default('2mb'),
  /** The phone-number id campaigns send from unless they name another. */
  WHATSAPP_PHONE_NUMBER_ID: whatsappSettings.shape.WHATSAPP_PHONE_NUMBER_ID,
  /** Further phone-number ids campaigns may send from, comma-separated. */
  WHATSAPP_PHONE_NUMBER_IDS: z
    .string()
    .regex(/^(\d+)(,\d+)*$/, 'must be comma-separated numeric phone-number ids')
    .optional()
    .transform((s) => (s ? s.split(',') : [])),
  /** How long a campaign waits after its last send for delivery statuses before completing. */
  CAMPAIGN_SETTLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600_000),
  /** How long a send whose answer was lost waits for a status before it fails as unknown_outcome. */
  CAMPAIGN_UNKNOWN_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** Signals one workflow run takes before continuing as new (Temporal refuses more than 10,000). */
  CAMPAIGN_MAX_SIGNALS_PER_RUN: z.coerce.number().int().min(10).max(9_000).default(2_000),
  /** Each campaign gets at most one counts signal per this interval. */
  STATUS_SIGNAL_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Largest audience upload accepted, in bytes. */
  AUDIENCE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024 * 1024),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;
export const API_CONFIG = Symbol('API_CONFIG');
