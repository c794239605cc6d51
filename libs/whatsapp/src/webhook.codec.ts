import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

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
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

const statusSchema = z.object({
  id: z.string(),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  timestamp: z.string(),
  recipient_id: z.string(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(providerError).optional(),
});

const inboundSchema = z.looseObject({
  from: z.string(),
  id: z.string(),
  timestamp: z.string(),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  interactive: z.unknown().optional(),
});

const envelopeSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z.looseObject({
            metadata: z
              .object({ display_phone_number: z.string(), phone_number_id: z.string() })
              .optional(),
            statuses: z.array(statusSchema).optional(),
            messages: z.array(inboundSchema).optional(),
          }),
        }),
      ),
    }),
  ),
});
export type WebhookEnvelope = z.infer<typeof envelopeSchema>;

export interface StatusEvent {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: Date;
  recipient: string;
  phoneNumberId: string | undefined;
  callbackData: string | undefined;
  error: { code: number; title?: string; details?: string } | undefined;
}

export interface InboundMessage {
  wamid: string;
  from: string;
  timestamp: Date;
  phoneNumberId: string | undefined;
  type: string;
  /** Text body, or the button text for quick-reply taps. */
  text: string | undefined;
  /** Quick-reply payload. */
  payload: string | undefined;
}

export interface ParsedWebhook {
  statuses: StatusEvent[];
  messages: InboundMessage[];
}

export class WebhookPayloadError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid webhook payload: ${issues.join('; ')}`);
    this.name = 'WebhookPayloadError';
  }
}

const toDate = (unixSeconds: string) => new Date(Number(unixSeconds) * 1000);

/** Flattens a webhook delivery (every level is an array) into status and inbound events. */
export function parseWebhook(payload: unknown): ParsedWebhook {
  const parsed = envelopeSchema.safeParse(payload);
  if (!parsed.success) {
    throw new WebhookPayloadError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const out: ParsedWebhook = { statuses: [], messages: [] };
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const phoneNumberId = change.value.metadata?.phone_number_id;
      for (const s of change.value.statuses ?? []) {
        const err = s.errors?.[0];
        out.statuses.push({
          wamid: s.id,
          status: s.status,
          timestamp: toDate(s.timestamp),
          recipient: s.recipient_id,
          phoneNumberId,
          callbackData: s.biz_opaque_callback_data,
          error: err && { code: err.code, title: err.title, details: err.error_data?.details },
        });
      }
      for (const m of change.value.messages ?? []) {
        out.messages.push({
          wamid: m.id,
          from: m.from,
          timestamp: toDate(m.timestamp),
          phoneNumberId,
          type: m.type,
          text: m.text?.body ?? m.button?.text,
          payload: m.button?.payload,
        });
      }
    }
  }
  return out;
}
