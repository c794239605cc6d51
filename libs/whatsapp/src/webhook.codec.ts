import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { accountFields, noAccountEvents, type AccountEvents } from './account-webhook.schemas.js';
import { inboundSchema, readInbound } from './inbound-message.schemas.js';
import { digits, issuesOf, text, toDate, unixSeconds } from './webhook-values.js';

/** The header Meta signs webhook deliveries with. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=<hex>` of the HMAC-SHA256 of the raw body, keyed by the app secret. */
export function signWebhookBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Checks X-Hub-Signature-256 against the raw body bytes in constant time. Re-serialised JSON
 * would not match, so callers must pass the bytes exactly as received.
 */
export function verifyWebhookSignature(
  rawBody: Buffer | undefined,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (!rawBody || !header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = Buffer.from(signWebhookBody(rawBody, appSecret), 'utf8');
  const received = Buffer.from(header.toLowerCase(), 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Meta's GET verification handshake. Returns the challenge to echo when the token matches,
 * null when the request must be refused with 403.
 */
export function answerVerificationChallenge(
  query: Record<string, unknown>,
  verifyToken: string,
): string | null {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string') {
    return null;
  }
  const a = Buffer.from(token);
  const b = Buffer.from(verifyToken);
  return a.length === b.length && timingSafeEqual(a, b) ? challenge : null;
}

const providerError = z.object({
  code: z.number().int().min(0).max(2_147_483_647),
  title: text(512).optional(),
  message: text(2048).optional(),
  error_data: z.object({ details: text(2048).optional() }).optional(),
});

const statusSchema = z.object({
  id: text(128).min(1),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  timestamp: unixSeconds,
  recipient_id: digits(20),
  biz_opaque_callback_data: text(512).optional(),
  errors: z.array(providerError).max(10).optional(),
  // Checked on its own: a malformed pricing object must not cost the status.
  pricing: z.unknown().optional(),
});

/** Per-message pricing (since July 2025: pricing_model PMP) on status events. */
const pricingSchema = z.object({
  billable: z.boolean().optional(),
  pricing_model: z.string().regex(/^[A-Z_]{1,16}$/, 'must be an upper-case word such as PMP'),
  category: z.string().regex(/^[a-z_]{1,64}$/, 'must be a lower-case word such as marketing'),
  type: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'must be a lower-case word such as regular')
    .optional(),
});

const preferenceSchema = z.object({
  wa_id: digits(20),
  value: z.enum(['stop', 'resume']),
  category: text(64).optional(),
  detail: text(512).optional(),
  timestamp: unixSeconds.optional(),
});

/** entry.id: the WhatsApp Business Account the changes belong to. */
const entryId = text(64).min(1);

const envelopeSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.unknown()),
});

const changeSchema = z.object({
  field: z.string(),
  value: z.looseObject({
    metadata: z
      .object({ phone_number_id: digits(32) })
      .loose()
      .optional(),
    statuses: z.array(z.unknown()).optional(),
    messages: z.array(z.unknown()).optional(),
    user_preferences: z.array(z.unknown()).optional(),
  }),
});

export interface StatusEvent {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: Date;
  recipient: string;
  phoneNumberId: string | undefined;
  callbackData: string | undefined;
  error: { code: number; title?: string; details?: string } | undefined;
  /** What Meta charges for the message, when the status carries it. */
  pricing?: StatusPricing;
}

export interface StatusPricing {
  billable: boolean | undefined;
  /** PMP (per-message pricing) since 1 July 2025; CBP before. */
  model: string;
  /** marketing, utility, authentication, authentication_international, service… */
  category: string;
  /** regular, free_customer_service, free_entry_point… */
  type: string | undefined;
}

export interface InboundMessage {
  wamid: string;
  from: string;
  timestamp: Date;
  phoneNumberId: string | undefined;
  /** Meta's type: text, button, interactive, reaction, image, location, contacts… */
  type: string;
  /**
   * The text body, a quick-reply's button text, an interactive reply's title (a flow's body),
   * a reaction's emoji, a media caption or a location's name.
   */
  text: string | undefined;
  /** A quick-reply's payload, or the id of the interactive button or list row chosen. */
  payload: string | undefined;
  /** The wamid of the message this one replies to (`context.id`) or reacts to. */
  repliedTo: string | undefined;
  /**
   * The rest, in Meta's shape under the type's name: `interactive`, `reaction`, media metadata
   * (`image: {id, mime_type, sha256, caption}`…), `location`, `contacts`, or the object of a kind
   * the engine does not read, as it came; and Meta's `errors` for unsupported messages.
   */
  content: Record<string, unknown> | undefined;
}

/** Meta's `user_preferences` webhook: a user stopped or resumed marketing messages. */
export interface PreferenceChange {
  waId: string;
  value: 'stop' | 'resume';
  category: string | undefined;
  timestamp: Date | undefined;
  phoneNumberId: string | undefined;
}

/**
 * Every event of a delivery. The account fields (template status, quality and category updates,
 * phone number quality, account updates) each carry the WABA id of the entry they came in.
 * parseWebhook always fills their lists; they are optional here so that code passing on a part
 * of a delivery (the API routes statuses per workspace) need not name them.
 */
export interface ParsedWebhook extends Partial<AccountEvents> {
  statuses: StatusEvent[];
  messages: InboundMessage[];
  preferences: PreferenceChange[];
  /** Events that failed validation: logged and left out, the rest of the delivery is applied. */
  skipped: { path: string; reason: string }[];
}

export class WebhookPayloadError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid webhook payload: ${issues.join('; ')}`);
    this.name = 'WebhookPayloadError';
  }
}

/**
 * Flattens a webhook delivery (every level is an array) into status, inbound and preference
 * events and the account fields' events. Each event is validated on its own: a bad one is reported in `skipped` and the others
 * are kept, so one malformed event never costs the rest of a delivery. Only a body that is not a
 * WhatsApp delivery at all is refused.
 */
export function parseWebhook(payload: unknown): ParsedWebhook & AccountEvents {
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success) {
    throw new WebhookPayloadError(
      envelope.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const out: ParsedWebhook & AccountEvents = {
    statuses: [],
    messages: [],
    preferences: [],
    ...noAccountEvents(),
    skipped: [],
  };
  envelope.data.entry.forEach((entry, e) => {
    const { changes, id } = (entry ?? {}) as { changes?: unknown; id?: unknown };
    const wabaId = entryId.safeParse(id).data;
    if (!Array.isArray(changes)) {
      out.skipped.push({ path: `entry.${e}`, reason: 'changes: must be an array' });
      return;
    }
    changes.forEach((raw, c) => {
      const at = `entry.${e}.changes.${c}`;
      const change = changeSchema.safeParse(raw);
      if (!change.success) {
        out.skipped.push({ path: at, reason: issuesOf(change.error) });
        return;
      }
      const { field, value } = change.data;
      const phoneNumberId = value.metadata?.phone_number_id;
      const each = <T>(
        list: unknown[] | undefined,
        name: string,
        schema: z.ZodType<T>,
        use: (v: T, i: number) => void,
      ) =>
        (list ?? []).forEach((item, i) => {
          const parsed = schema.safeParse(item);
          if (parsed.success) use(parsed.data, i);
          else
            out.skipped.push({ path: `${at}.value.${name}.${i}`, reason: issuesOf(parsed.error) });
        });
      if (field === 'messages') {
        each(value.statuses, 'statuses', statusSchema, (s, i) => {
          const err = s.errors?.[0];
          const pricing = s.pricing === undefined ? undefined : pricingSchema.safeParse(s.pricing);
          if (pricing?.success === false) {
            out.skipped.push({
              path: `${at}.value.statuses.${i}.pricing`,
              reason: issuesOf(pricing.error),
            });
          }
          const price = pricing?.data;
          out.statuses.push({
            wamid: s.id,
            status: s.status,
            timestamp: toDate(s.timestamp),
            recipient: s.recipient_id,
            phoneNumberId,
            callbackData: s.biz_opaque_callback_data,
            error: err && { code: err.code, title: err.title, details: err.error_data?.details },
            ...(price && {
              pricing: {
                billable: price.billable,
                model: price.pricing_model,
                category: price.category,
                type: price.type,
              },
            }),
          });
        });
        each(value.messages, 'messages', inboundSchema, (m, i) => {
          const read = readInbound(m);
          if (!read.ok) {
            out.skipped.push({
              path: `${at}.value.messages.${i}.${read.path}`,
              reason: issuesOf(read.error),
            });
            return;
          }
          out.messages.push({
            wamid: m.id,
            from: m.from,
            timestamp: toDate(m.timestamp),
            phoneNumberId,
            type: m.type,
            ...read.reading,
          });
        });
      } else if (Object.hasOwn(accountFields, field)) {
        const { list, schema, map } = accountFields[field];
        const parsed = schema.safeParse(value);
        if (parsed.success) {
          (out[list] as unknown[]).push(map(parsed.data as never, wabaId));
        } else {
          out.skipped.push({ path: `${at}.value`, reason: issuesOf(parsed.error) });
        }
      } else if (field === 'user_preferences') {
        each(value.user_preferences, 'user_preferences', preferenceSchema, (p) => {
          out.preferences.push({
            waId: p.wa_id,
            value: p.value,
            category: p.category,
            timestamp: p.timestamp === undefined ? undefined : toDate(p.timestamp),
            phoneNumberId,
          });
        });
      }
    });
  });
  return out;
}
