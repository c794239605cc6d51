import { z } from 'zod';
import { portSchema } from '#libs/config';

const delays = z
  .string()
  .regex(/^\d+,\d+,\d+$/, 'must be three delays in ms: sent,delivered,read')
  .transform((s) => s.split(',').map(Number) as [number, number, number]);

export const sandboxConfigSchema = z.object({
  SANDBOX_PORT: portSchema.default(3100),
  HOST: z.string().default('0.0.0.0'),
  /** The bearer token senders must present (the engine's WHATSAPP_TOKEN). */
  WHATSAPP_TOKEN: z.string({ error: 'required: the bearer token senders must present' }).min(1),
  /** Signs status webhooks, as Meta signs them with the app secret. */
  WHATSAPP_APP_SECRET: z.string({ error: 'required: the secret that signs webhooks' }).min(8),
  /** Where status webhooks go; unset means none are sent. */
  SANDBOX_WEBHOOK_URL: z.url().optional(),
  SANDBOX_THROUGHPUT_PER_SECOND: z.coerce.number().int().min(1).default(80),
  SANDBOX_STATUS_DELAYS_MS: delays.default([50, 150, 300]),
  /** Webhook events due together are posted as one delivery, up to this many. */
  SANDBOX_WEBHOOK_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  SANDBOX_DISPLAY_PHONE_NUMBER: z.string().default('15550000000'),
});
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');
