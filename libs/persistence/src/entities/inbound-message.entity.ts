import { defineEntity, p } from '@mikro-orm/postgresql';
import { Workspace } from './identity.entity.js';

/**
 * A message a number sent the workspace, kept once per wamid: what it said (text, the button or
 * interactive reply id, media metadata, a reaction… in Meta's shapes), the customer service
 * window it opened, and the campaign or drip step it answers.
 */
const ReceivedMessageSchema = defineEntity({
  name: 'ReceivedMessage',
  tableName: 'inbound_messages',
  uniques: [{ properties: ['workspace', 'wamid'] }],
  indexes: [
    // A number's conversation, newest first, and what erasure reaches by number.
    {
      name: 'inbound_messages_phone_index',
      properties: ['workspace', 'phone', 'receivedAt', 'id'],
    },
    {
      name: 'inbound_messages_contact_id_index',
      properties: ['contactId'],
      where: 'contact_id is not null',
    },
    // Replies to a campaign, and to a sequence, newest first.
    {
      name: 'inbound_messages_campaign_index',
      properties: ['campaignId', 'receivedAt', 'id'],
      where: 'campaign_id is not null',
    },
    {
      name: 'inbound_messages_sequence_index',
      properties: ['sequenceId', 'receivedAt', 'id'],
      where: 'sequence_id is not null',
    },
  ],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    /** The contact of that number when the message came, if it was one. */
    contactId: p.uuid().nullable(),
    phone: p.string().length(16),
    /** The business number it was sent to. */
    phoneNumberId: p.string().length(32).nullable(),
    wamid: p.string().length(128),
    /** Meta's type: text, button, interactive, reaction, image, location, contacts… */
    type: p.string().length(32),
    text: p.text().nullable(),
    /** A quick-reply's payload or the interactive reply's id. */
    payload: p.string().length(1024).nullable(),
    /** The rest in Meta's shape: `{interactive: …}`, `{image: {id, mime_type, …}}`, `{reaction: …}`… */
    content: p.json<Record<string, unknown>>().nullable(),
    /** The wamid the message replies or reacts to. */
    contextWamid: p.string().length(128).nullable(),
    /** Meta's timestamp of the message. */
    receivedAt: p.datetime(),
    /** The end of the 24-hour customer service window the message opened. */
    windowExpiresAt: p.datetime(),
    /** The campaign whose message the number was last sent, within the attribution window. */
    campaignId: p.uuid().nullable(),
    /** Or the sequence and step of the drip message it was last sent. */
    sequenceId: p.uuid().nullable(),
    step: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export class ReceivedMessage extends ReceivedMessageSchema.class {}
ReceivedMessageSchema.setClass(ReceivedMessage);
export { ReceivedMessageSchema };
