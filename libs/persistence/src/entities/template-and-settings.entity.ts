import { defineEntity, p } from '@mikro-orm/postgresql';
import { PARAMETER_FORMATS, TEMPLATE_CATEGORIES, TEMPLATE_SOURCES } from '#libs/domain';
import { Workspace } from './identity.entity.js';

/**
 * A WhatsApp template: Meta's definition (components and parameter format), or a legacy
 * registration whose `variables` name its body's {{1}}…{{n}}; with Meta's review status.
 */
const TemplateSchema = defineEntity({
  name: 'Template',
  tableName: 'templates',
  uniques: [{ properties: ['workspace', 'name', 'language'] }],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(512),
    language: p.string().length(16),
    category: p.enum([...TEMPLATE_CATEGORIES]),
    components: p.json<unknown[]>(),
    /** Names of the body variables {{1}}…{{n}}, in order (legacy registrations). */
    variables: p.json<string[]>(),
    /** Meta's parameter_format; null for a legacy registration (components in the old shape). */
    parameterFormat: p.enum([...PARAMETER_FORMATS]).nullable(),
    /** Meta's review status (APPROVED, PENDING, REJECTED, PAUSED, DISABLED…); open-ended. */
    status: p.text().default('APPROVED'),
    quality: p.text().nullable(),
    rejectedReason: p.text().nullable(),
    metaId: p.text().nullable(),
    source: p.enum([...TEMPLATE_SOURCES]).default('manual'),
    syncedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/**
 * A workspace's WhatsApp Cloud API credentials, each encrypted with AES-256-GCM under a key
 * from configuration (`keyId:iv:tag:ciphertext`). Never returned by the API, never logged.
 */
const WhatsAppAccountSchema = defineEntity({
  name: 'WhatsAppAccount',
  tableName: 'whatsapp_accounts',
  properties: {
    workspace: () => p.oneToOne(Workspace).primary().deleteRule('cascade'),
    tokenEnc: p.text(),
    appSecretEnc: p.text(),
    verifyTokenEnc: p.text(),
    /** The WhatsApp Business Account id: templates are synced from it, its webhooks routed by it. */
    wabaId: p.string().length(32).nullable().unique(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/** The phone numbers a workspace sends from; webhooks are routed to it by these. */
const SenderSchema = defineEntity({
  name: 'Sender',
  tableName: 'senders',
  properties: {
    phoneNumberId: p.string().length(32).primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export class Template extends TemplateSchema.class {}
TemplateSchema.setClass(Template);
export class WhatsAppAccount extends WhatsAppAccountSchema.class {}
WhatsAppAccountSchema.setClass(WhatsAppAccount);
export class Sender extends SenderSchema.class {}
SenderSchema.setClass(Sender);
export { SenderSchema, TemplateSchema, WhatsAppAccountSchema };
