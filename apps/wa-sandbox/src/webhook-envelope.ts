import type { LogPosition, StatusName } from './message-log.js';
import type { Pricing } from './pricing.js';

/**
 * Webhook payloads in Meta's envelope. An event is queued as a WebhookItem; a delivery groups its
 * items into entries whose `id` is the WhatsApp Business Account the event belongs to: events of
 * the `messages` and `user_preferences` fields one entry per phone-number id (one change per
 * field), account events (templates, quality, account_update) one entry per account, each event
 * its own change, as Meta sends them.
 */

export type WebhookField = 'messages' | 'user_preferences';
/** The array of the change value an event goes into. */
export type WebhookList = 'statuses' | 'messages' | 'user_preferences';
/** Fields whose value is one event about the account rather than a list per phone number. */
export type AccountField =
  | 'message_template_status_update'
  | 'message_template_quality_update'
  | 'template_category_update'
  | 'phone_number_quality_update'
  | 'account_update';

export interface Contact {
  wa_id: string;
  profile: { name: string };
}

export interface MessageItem {
  phoneNumberId: string;
  field: WebhookField;
  list: WebhookList;
  payload: object;
  contact?: Contact;
  /** The delivery this item was last put in; keeps a duplicate out of its original's delivery. */
  delivery: number;
  /** For a status of a logged message: where the log notes that the receiver took it. */
  acknowledges?: { position: LogPosition; status: StatusName };
}

export interface AccountItem {
  wabaId: string;
  field: AccountField;
  value: object;
  /** When it happened, for the entry's `time`. */
  atMs: number;
  delivery: number;
}

export type WebhookItem = MessageItem | AccountItem;

export const unixSeconds = (epochMs: number) => String(Math.floor(epochMs / 1000));

export function statusItem(
  phoneNumberId: string,
  payload: {
    id: string;
    status: 'sent' | 'delivered' | 'read' | 'failed';
    timestamp: string;
    recipient_id: string;
    biz_opaque_callback_data?: string;
    errors?: { code: number; title: string; message: string; error_data: { details: string } }[];
    pricing?: Pricing;
  },
  logPosition?: LogPosition,
): MessageItem {
  return {
    phoneNumberId,
    field: 'messages',
    list: 'statuses',
    payload,
    delivery: 0,
    ...(logPosition ? { acknowledges: { position: logPosition, status: payload.status } } : {}),
  };
}

export function contactOf(waId: string): Contact {
  return { wa_id: waId, profile: { name: `Sandbox user ${waId.slice(-4)}` } };
}

/** The kinds of a user's message the sandbox posts besides text and quick-reply taps. */
export const INBOUND_KINDS = [
  'interactive',
  'reaction',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

export function inboundItem(
  phoneNumberId: string,
  message: { from: string; id: string; timestamp: string; context?: object } & (
    | { type: 'text'; text: { body: string } }
    | { type: 'button'; button: { payload: string; text: string } }
    | { type: InboundKind; [kind: string]: unknown }
  ),
): MessageItem {
  return {
    phoneNumberId,
    field: 'messages',
    list: 'messages',
    payload: message,
    contact: contactOf(message.from),
    delivery: 0,
  };
}

export function preferenceItem(
  phoneNumberId: string,
  waId: string,
  value: 'stop' | 'resume',
  timestamp: string,
): MessageItem {
  const detail =
    value === 'stop'
      ? 'User requested to stop marketing messages'
      : 'User requested to resume marketing messages';
  return {
    phoneNumberId,
    field: 'user_preferences',
    list: 'user_preferences',
    payload: { wa_id: waId, detail, category: 'marketing_messages', value, timestamp },
    contact: contactOf(waId),
    delivery: 0,
  };
}

export function accountItem(wabaId: string, field: AccountField, value: object): AccountItem {
  return { wabaId, field, value, atMs: Date.now(), delivery: 0 };
}

type ChangeValue = Record<string, unknown> & { contacts?: Contact[] } & Partial<
    Record<WebhookList, object[]>
  >;

interface Entry {
  id: string;
  time?: number;
  changes: { field: string; value: object }[];
}

export interface EnvelopeOptions {
  displayPhoneNumber: string;
  /** The account a phone-number id belongs to: the entry id of its events. */
  wabaOf: (phoneNumberId: string) => string;
}

/** The JSON body of one delivery. */
export function envelopeJson(items: WebhookItem[], options: EnvelopeOptions): string {
  const entries = new Map<string, Entry>();
  const values = new Map<string, ChangeValue>();
  for (const item of items) {
    if ('wabaId' in item) {
      const key = `account:${item.wabaId}`;
      let entry = entries.get(key);
      if (!entry) entries.set(key, (entry = { id: item.wabaId, changes: [] }));
      entry.time = Math.max(entry.time ?? 0, Math.floor(item.atMs / 1000));
      entry.changes.push({ field: item.field, value: item.value });
      continue;
    }
    const key = `number:${item.phoneNumberId}`;
    let entry = entries.get(key);
    if (!entry) entries.set(key, (entry = { id: options.wabaOf(item.phoneNumberId), changes: [] }));
    let value = values.get(`${key}:${item.field}`);
    if (!value) {
      value = {
        messaging_product: 'whatsapp',
        metadata: {
          display_phone_number: options.displayPhoneNumber,
          phone_number_id: item.phoneNumberId,
        },
      };
      values.set(`${key}:${item.field}`, value);
      entry.changes.push({ field: item.field, value });
    }
    if (item.contact) (value.contacts ??= []).push(item.contact);
    (value[item.list] ??= []).push(item.payload);
  }
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [...entries.values()] });
}
