/**
 * Webhook payloads in Meta's envelope. An event is queued as a WebhookItem; a delivery groups its
 * items by phone-number id (one entry each) and by field (one change each).
 */

export type WebhookField = 'messages' | 'user_preferences';
/** The array of the change value an event goes into. */
export type WebhookList = 'statuses' | 'messages' | 'user_preferences';

export interface Contact {
  wa_id: string;
  profile: { name: string };
}

export interface WebhookItem {
  phoneNumberId: string;
  field: WebhookField;
  list: WebhookList;
  payload: object;
  contact?: Contact;
  /** The delivery this item was last put in; keeps a duplicate out of its original's delivery. */
  delivery: number;
}

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
  },
): WebhookItem {
  return { phoneNumberId, field: 'messages', list: 'statuses', payload, delivery: 0 };
}

export function contactOf(waId: string): Contact {
  return { wa_id: waId, profile: { name: `Sandbox user ${waId.slice(-4)}` } };
}

export function inboundItem(
  phoneNumberId: string,
  message: { from: string; id: string; timestamp: string } & (
    | { type: 'text'; text: { body: string } }
    | { type: 'button'; button: { payload: string; text: string } }
  ),
): WebhookItem {
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
): WebhookItem {
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

type ChangeValue = Record<string, unknown> & { contacts?: Contact[] } & Partial<
    Record<WebhookList, object[]>
  >;

/** The JSON body of one delivery. */
export function envelopeJson(items: WebhookItem[], displayPhoneNumber: string): string {
  const entries = new Map<string, Map<WebhookField, ChangeValue>>();
  for (const item of items) {
    let changes = entries.get(item.phoneNumberId);
    if (!changes) entries.set(item.phoneNumberId, (changes = new Map<WebhookField, ChangeValue>()));
    let value = changes.get(item.field);
    if (!value) {
      value = {
        messaging_product: 'whatsapp',
        metadata: {
          display_phone_number: displayPhoneNumber,
          phone_number_id: item.phoneNumberId,
        },
      };
      changes.set(item.field, value);
    }
    if (item.contact) (value.contacts ??= []).push(item.contact);
    (value[item.list] ??= []).push(item.payload);
  }
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [...entries.values()].map((changes) => ({
      id: 'sandbox-waba',
      changes: [...changes].map(([field, value]) => ({ field, value })),
    })),
  });
}
