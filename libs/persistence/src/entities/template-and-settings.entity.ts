import { defineEntity, p } from '@mikro-orm/postgresql';
import { TEMPLATE_CATEGORIES } from '#libs/domain';
import { Workspace } from './identity.entity.js';

/** A reference to a WhatsApp template approved in Meta, with the variables its body takes. */
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
    /** Names of the body variables {{1}}…{{n}}, in order. */
    variables: p.json<string[]>(),
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
