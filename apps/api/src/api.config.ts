import { z } from 'zod';
import {
  databaseSettings,
  encryptionSettings,
  httpSettings,
  logSettings,
  temporalSettings,
  whatsappSettings,
  workflowSettings,
} from '#libs/config';

export const apiConfigSchema = z.object({
  ...databaseSettings.shape,
  ...temporalSettings.shape,
  ...httpSettings.shape,
  ...logSettings.shape,
  ...encryptionSettings.shape,
  ...workflowSettings.shape,
  ...whatsappSettings.shape,
  /** The Temporal Web UI operators use, linked from the API's root. */
  TEMPORAL_UI_URL: z.url().optional(),
  JWT_SECRET: z
    .string({ error: 'required: the HMAC secret that signs access tokens' })
    .min(32, 'must be at least 32 characters'),
  /** Access tokens are short-lived; the refresh token gets the next one. */
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(3_600).default(900),
  JWT_ISSUER: z.string().min(1).max(200).default('wa-campaign-engine'),
  JWT_AUDIENCE: z.string().min(1).max(200).default('wa-campaign-engine-api'),
  /** How long a refresh token (and so a session without activity) lives. */
  REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 86_400),
  /** Where the first administrator comes from: needed until the first user exists. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(1).optional(),
  /** The first workspace's name. */
  WORKSPACE_NAME: z.string().min(1).max(200).default('default'),
  /** Lets anyone create a workspace of their own with POST /v1/auth/signup. */
  SIGNUP_ENABLED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Seeds the first workspace's WhatsApp account when it has none (afterwards an admin changes
   * it with PUT /v1/settings/whatsapp).
   */
  WHATSAPP_TOKEN: z.string().min(1).optional(),
  WHATSAPP_APP_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  WEBHOOK_VERIFY_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{1,32}$/, 'must be the numeric phone-number id')
    .optional(),
  /** That account's WhatsApp Business Account id: templates are synced from it. */
  WHATSAPP_WABA_ID: z
    .string()
    .regex(/^\d{1,32}$/, 'must be the numeric WhatsApp Business Account id')
    .optional(),
  /** Further phone-number ids of that account, comma-separated. */
  WHATSAPP_PHONE_NUMBER_IDS: z
    .string()
    .regex(/^(\d+)(,\d+)*$/, 'must be comma-separated numeric phone-number ids')
    .optional()
    .transform((s) => (s ? s.split(',') : [])),
  /**
   * Behind a reverse proxy, which hops to trust for the client address (Express "trust proxy":
   * a hop count, or addresses/subnets). Off by default: the socket's address is the client.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(\d+|[\w.:/, -]+)$/)
    .optional(),
  /** Requests per minute per client address: everything, sign-in routes, imports, webhooks. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6_000),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  IMPORT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120_000),
  /** /metrics on the API answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off. */
  METRICS_TOKEN: z.string().min(16).optional(),
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
  /** How long a campaign waits after its last send for delivery statuses before completing. */
  CAMPAIGN_SETTLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600_000),
  /**
   * How often a Temporal Schedule syncs every account's templates from Meta (milliseconds; 0
   * turns the schedule off). Template webhooks update a template at once in between.
   */
  TEMPLATE_SYNC_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((v) => v === 0 || v >= 60_000, 'must be 0 (off) or at least 60000 (a minute)')
    .default(15 * 60_000),
  /**
   * A reply is attributed to the campaign or drip step whose message its number was last sent
   * within this many hours before it (a reply to a message of ours, by its context, always is).
   */
  REPLY_ATTRIBUTION_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
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
