import { z } from 'zod';
import { portSchema } from '#libs/config';
import { behaviourSchema } from './behaviour.js';

const delays = z
  .string()
  .regex(/^\d+,\d+,\d+$/, 'must be three delays in ms: sent,delivered,read')
  .transform((s) => s.split(',').map(Number) as [number, number, number]);

/** SANDBOX_FAULTS holds the initial behaviour settings as JSON. */
const behaviourJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(behaviourSchema);

export const sandboxConfigSchema = z.object({
  SANDBOX_PORT: portSchema.default(3100),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The bearer token senders must present (the engine's WHATSAPP_TOKEN); also guards /sandbox/*. */
  WHATSAPP_TOKEN: z.string({ error: 'required: the bearer token senders must present' }).min(1),
  /** Signs webhooks, as Meta signs them with the app secret. */
  WHATSAPP_APP_SECRET: z
    .string({ error: 'required: the secret that signs webhooks' })
    .min(8, 'must be at least 8 characters'),
  /** Where webhooks go; unset means none are sent. */
  SANDBOX_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SANDBOX_THROUGHPUT_PER_SECOND: z.coerce.number().int().min(1).default(80),
  SANDBOX_STATUS_DELAYS_MS: delays.default([50, 150, 300]),
  /** Webhook events due together are posted as one delivery, up to this many. */
  SANDBOX_WEBHOOK_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /** Deliveries in flight at once; Meta delivers concurrently too. */
  SANDBOX_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  SANDBOX_DISPLAY_PHONE_NUMBER: z.string().regex(/^\d+$/).default('15550000000'),
  SANDBOX_FAULTS: behaviourJson.optional(),
});
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
