import { defineEntity, p } from '@mikro-orm/postgresql';
import { Workspace } from './identity.entity.js';

/**
 * What Meta said about a workspace's account, one row per webhook event of the account fields
 * (template status, quality and category, phone number quality, account updates), with what
 * the engine did about it.
 */
const AccountEventSchema = defineEntity({
  name: 'AccountEvent',
  tableName: 'account_events',
  indexes: [
    { properties: ['workspace', 'id'] },
    { properties: ['workspace', 'field', 'id'] },
    {
      name: 'account_events_template_index',
      properties: ['workspace', 'templateName', 'templateLanguage', 'id'],
    },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    wabaId: p.string().length(64).nullable(),
    /** The webhook field: message_template_status_update, account_update… */
    field: p.string().length(64),
    /** Meta's event word (PAUSED, FLAGGED, ACCOUNT_RESTRICTION…) or, for quality, the new score. */
    event: p.string().length(64),
    templateName: p.string().length(512).nullable(),
    templateLanguage: p.string().length(32).nullable(),
    metaTemplateId: p.string().length(64).nullable(),
    displayPhoneNumber: p.string().length(32).nullable(),
    /** The event as Meta sent it (after validation). */
    details: p.json<Record<string, unknown>>(),
    /** What the engine did: campaigns paused, resumed or failed, senders halted… */
    effects: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().defaultRaw('now()'),
  },
});

/**
 * A file uploaded to Meta for media headers: Meta keeps it 30 days from the upload, after which
 * its id no longer sends.
 */
const MediaSchema = defineEntity({
  name: 'Media',
  tableName: 'media',
  indexes: [{ properties: ['workspace', 'uploadedAt'] }],
  uniques: [{ properties: ['workspace', 'mediaId'] }],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    /** Meta's media id. */
    mediaId: p.string().length(64),
    phoneNumberId: p.string().length(32),
    /** image, video, document, audio or sticker: the header kinds it may fill. */
    kind: p.string().length(16),
    mimeType: p.string().length(128),
    filename: p.string().length(255),
    sizeBytes: p.bigint('number'),
    uploadedAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime(),
  },
});

export class AccountEvent extends AccountEventSchema.class {}
AccountEventSchema.setClass(AccountEvent);
export class Media extends MediaSchema.class {}
MediaSchema.setClass(Media);
export { AccountEventSchema, MediaSchema };
