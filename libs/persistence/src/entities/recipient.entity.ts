import { defineEntity, p } from '@mikro-orm/postgresql';
import { FAILURE_CLASSES, RECIPIENT_STATUSES } from '#libs/domain';
import { Campaign } from './campaign.entity.js';

const RecipientSchema = defineEntity({
  name: 'Recipient',
  tableName: 'recipients',
  uniques: [
    { name: 'recipients_send_key_unique', properties: ['sendKey'], where: 'send_key is not null' },
  ],
  indexes: [
    // Walking any status of a campaign in id order (claims resume from a cursor).
    { properties: ['campaign', 'status', 'id'] },
    // Fresh rows of one destination country, for country-limited claims.
    {
      name: 'recipients_pending_country_index',
      properties: ['campaign', 'country', 'id'],
      where: `status = 'pending'`,
    },
    // Rows waiting for a retry, by due time.
    {
      name: 'recipients_retry_index',
      properties: ['campaign', 'nextAttemptAt'],
      where: `status = 'pending' and next_attempt_at is not null`,
    },
    { properties: ['wamid'] },
    // A contact's message history, and what erasure reaches.
    {
      name: 'recipients_contact_id_index',
      properties: ['contactId'],
      where: 'contact_id is not null',
    },
    // An opt-out withdraws the number's rows not sent yet.
    {
      name: 'recipients_pending_phone_index',
      properties: ['phone'],
      where: `status = 'pending' and phone is not null`,
    },
    // A reply is attributed to the last message sent to its number.
    {
      name: 'recipients_phone_sent_at_index',
      properties: ['phone', 'sentAt'],
      where: 'sent_at is not null',
    },
    // …or in flight to it, its acceptance not recorded yet.
    {
      name: 'recipients_sending_phone_index',
      properties: ['phone'],
      where: `status = 'sending'`,
    },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    phone: p.string().length(16),
    /** The contact the row was sent to, when the number is one of the workspace's contacts. */
    contactId: p.uuid().nullable(),
    /** For a sequence's messages: the template sent (null for free-form text). */
    templateName: p.string().length(512).nullable(),
    templateLanguage: p.string().length(16).nullable(),
    /** For a sequence's free-form text: `{ "text": … }`; null for template messages. */
    content: p.json<{ text?: string }>().nullable(),
    /** For a sequence's messages: names the message across retries, so it is sent once. */
    sendKey: p.string().length(300).nullable(),
    country: p.string().length(2),
    variables: p.json<string[]>().nullable(),
    status: p.enum([...RECIPIENT_STATUSES]).default('pending'),
    attempts: p.integer().default(0),
    /** Set when the row waits for a retry (or was handed back); null for a row never tried. */
    nextAttemptAt: p.datetime().nullable(),
    /** Epoch ms of the send slot reserved for the row's current attempt. */
    slotAt: p.double().nullable(),
    wamid: p.string().length(128).nullable(),
    errorCode: p.integer().nullable(),
    errorClass: p.enum([...FAILURE_CLASSES]).nullable(),
    errorMessage: p.text().nullable(),
    /** When the row became `unknown`; it fails as `unknown_outcome` after the unknown window. */
    unknownSince: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export class Recipient extends RecipientSchema.class {}
RecipientSchema.setClass(Recipient);
export { RecipientSchema };
