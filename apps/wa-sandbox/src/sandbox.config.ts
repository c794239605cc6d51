import { z } from 'zod';
import { portSchema } from '#libs/config';
import { behaviourSchema } from './behaviour.js';
import { seedTemplateSchema } from './template-definition.schema.js';

const delays = z
  .string()
  .regex(/^\d+,\d+,\d+$/, 'must be three delays in ms: sent,delivered,read')
  .transform((s) => s.split(',').map(Number) as [number, number, number]);

const json = (what: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
  });

/** SANDBOX_FAULTS holds the initial behaviour settings as JSON. */
const behaviourJson = json('a JSON object').pipe(behaviourSchema);

const graphId = z.string().regex(/^\d{1,20}$/, 'must be an id in digits');
const list = (text: string) => text.split(',').map((item) => item.trim());

/** Meta's example WABA id in its webhook references. */
export const DEFAULT_WABA_ID = '102290129340398';

export const sandboxConfigSchema = z
  .object({
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
    /** How long a delivery not answered with 200 is retried (Meta keeps trying for days). */
    SANDBOX_WEBHOOK_RETRY_FOR_MS: z.coerce.number().int().min(0).default(600_000),
    SANDBOX_DISPLAY_PHONE_NUMBER: z.string().regex(/^\d+$/).default('15550000000'),
    SANDBOX_FAULTS: behaviourJson.optional(),
    /**
     * The WhatsApp Business Accounts served (comma-separated); other ids get Meta's error for an
     * unknown object. Phone numbers belong to the first unless SANDBOX_PHONE_NUMBER_WABAS says.
     */
    SANDBOX_WABA_ID: z
      .string()
      .default(DEFAULT_WABA_ID)
      .transform(list)
      .pipe(z.array(graphId).min(1).max(50)),
    /** `phoneNumberId=wabaId,…`: which account a business number's sends and templates use. */
    SANDBOX_PHONE_NUMBER_WABAS: z
      .string()
      .transform((text) => list(text).map((pair) => pair.split('=')))
      .pipe(
        z.array(z.tuple([graphId, graphId], { error: 'must be phoneNumberId=wabaId' })).max(1000),
      )
      .optional(),
    /** Templates approved from the start: a JSON array of Meta's create bodies (and `wabaId`). */
    SANDBOX_TEMPLATES: json('a JSON array').pipe(z.array(seedTemplateSchema).max(1000)).optional(),
  })
  .superRefine((config, ctx) => {
    const served = new Set(config.SANDBOX_WABA_ID);
    config.SANDBOX_PHONE_NUMBER_WABAS?.forEach(([, waba], i) => {
      if (!served.has(waba)) {
        ctx.addIssue({
          code: 'custom',
          path: ['SANDBOX_PHONE_NUMBER_WABAS', i],
          message: `${waba} is not in SANDBOX_WABA_ID`,
        });
      }
    });
    const seeded = new Set<string>();
    config.SANDBOX_TEMPLATES?.forEach((t, i) => {
      const key = `${t.wabaId ?? config.SANDBOX_WABA_ID[0]}:${t.name}:${t.language}`;
      if (seeded.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['SANDBOX_TEMPLATES', i],
          message: `${t.name} in ${t.language} is listed twice`,
        });
      }
      seeded.add(key);
      if (t.wabaId !== undefined && !served.has(t.wabaId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['SANDBOX_TEMPLATES', i, 'wabaId'],
          message: `${t.wabaId} is not in SANDBOX_WABA_ID`,
        });
      }
    });
  });
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
