import { z } from 'zod';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';
import { guarded, readJson, sendInvalid } from './route-helpers.js';
import { sendJson } from './http-io.js';
import { randomWamid } from './wamid.js';
import {
  INBOUND_KINDS,
  inboundItem,
  preferenceItem,
  unixSeconds,
  type WebhookItem,
} from './webhook-envelope.js';

const digits = z.string().regex(/^\d{6,15}$/, 'must be digits, without +');
const numericId = z.string().regex(/^\d+$/, 'must be the numeric phone-number id');

/** Meta's own object of a message kind, passed on as given so tests can post any shape. */
const metaObject = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

const inboundSchema = z
  .strictObject({
    from: digits,
    phoneNumberId: numericId,
    text: z.string().min(1).max(4096).optional(),
    button: z.strictObject({ payload: z.string().min(1), text: z.string().optional() }).optional(),
    ...Object.fromEntries(INBOUND_KINDS.map((kind) => [kind, metaObject.optional()])),
    /** The wamid of the message replied to: Meta's `context`. */
    replyTo: z.string().min(1).max(128).optional(),
  })
  .refine((b) => ['text', 'button', ...INBOUND_KINDS].filter((k) => k in b).length === 1, {
    message: `give exactly one of text, button, ${INBOUND_KINDS.join(', ')}`,
    path: ['text'],
  });

const preferenceSchema = z.strictObject({
  from: digits,
  phoneNumberId: numericId,
  value: z.enum(['stop', 'resume']),
});

/**
 * What users do on their phones, played on demand: an inbound message (text, a quick-reply
 * tap, an interactive reply, a reaction, media, a location or contacts, optionally replying to
 * a message) or a marketing stop/resume, each posted at once as a signed webhook.
 */
export function simulationRoutes(router: Router, ctx: SandboxContext): void {
  const accept = <S extends z.ZodType>(
    schema: S,
    toItem: (body: z.infer<S>) => { item: WebhookItem; answer: object },
  ) =>
    guarded(ctx, async (req, res) => {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const parsed = schema.safeParse(body);
      if (!parsed.success) return sendInvalid(res, parsed.error);
      if (!ctx.webhooks) {
        return sendJson(res, 409, {
          error: { message: 'SANDBOX_WEBHOOK_URL is not set: there is nowhere to post to' },
        });
      }
      const { item, answer } = toItem(parsed.data);
      ctx.webhooks.post(item);
      sendJson(res, 202, answer);
    });

  router
    .on(
      'POST',
      '/sandbox/inbound',
      accept(inboundSchema, (body) => {
        const { from, phoneNumberId, text, button, replyTo } = body;
        const wamid = randomWamid();
        const now = Date.now();
        // The user's message opens a 24-hour customer service window with this number.
        ctx.windows.opened(phoneNumberId, from, now);
        const timestamp = unixSeconds(now);
        const context = replyTo ? { context: { from: ctx.displayPhoneNumber, id: replyTo } } : {};
        const kind = INBOUND_KINDS.find((k) => k in body);
        const message = button
          ? {
              from,
              id: wamid,
              timestamp,
              ...context,
              type: 'button' as const,
              button: { payload: button.payload, text: button.text ?? button.payload },
            }
          : kind
            ? {
                from,
                id: wamid,
                timestamp,
                ...context,
                type: kind,
                [kind]: (body as Record<string, unknown>)[kind],
              }
            : {
                from,
                id: wamid,
                timestamp,
                ...context,
                type: 'text' as const,
                text: { body: text as string },
              };
        return { item: inboundItem(phoneNumberId, message), answer: { wamid } };
      }),
    )
    .on(
      'POST',
      '/sandbox/user-preferences',
      accept(preferenceSchema, ({ from, phoneNumberId, value }) => ({
        item: preferenceItem(phoneNumberId, from, value, unixSeconds(Date.now())),
        answer: { accepted: true },
      })),
    );
}
