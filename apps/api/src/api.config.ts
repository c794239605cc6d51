import { z } from 'zod';
import { databaseSettings, httpSettings, temporalSettings, whatsappSettings } from '#libs/config';

export const apiConfigSchema = z.object({
  ...databaseSettings.shape,
  ...temporalSettings.shape,
  ...httpSettings.shape,
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
  CAMPAIGN_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  CAMPAIGN_SETTLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600_000),
  STATUS_SIGNAL_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(250),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;
export const API_CONFIG = Symbol('API_CONFIG');
