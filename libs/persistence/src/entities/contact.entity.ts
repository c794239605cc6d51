import { defineEntity, p } from '@mikro-orm/postgresql';
import { SUPPRESSION_REASONS } from '#libs/domain';
import { Workspace } from './identity.entity.js';

/**
 * A person a workspace may message: one per number, with attributes that fill template
 * variables by name, a time zone for quiet hours, and the consent they gave.
 */
const ContactSchema = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  uniques: [{ properties: ['workspace', 'phone'] }],
  indexes: [
    { properties: ['workspace', 'id'] },
    {
      name: 'contacts_attributes_index',
      properties: ['attributes'],
      type: 'gin',
      expression: `create index "contacts_attributes_index" on "contacts" using gin ("attributes" jsonb_path_ops)`,
    },
  ],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    phone: p.string().length(16),
    country: p.string().length(2),
    name: p.string().length(200).nullable(),
    attributes: p.json<Record<string, string>>().defaultRaw(`'{}'`),
    timeZone: p.string().length(64).nullable(),
    consentAt: p.datetime().nullable(),
    consentSource: p.string().length(100).nullable(),
    consentPurpose: p.string().length(200).nullable(),
    /** The contact's last message to the business: the 24-hour service window starts there. */
    lastInboundAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

const ContactListSchema = defineEntity({
  name: 'ContactList',
  tableName: 'contact_lists',
  uniques: [{ properties: ['workspace', 'name'] }],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(200),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

const ContactListMemberSchema = defineEntity({
  name: 'ContactListMember',
  tableName: 'contact_list_members',
  properties: {
    list: () => p.manyToOne(ContactList).primary().deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).primary().deleteRule('cascade').index(),
    addedAt: p.datetime().defaultRaw('now()'),
  },
});

/** Numbers that opted out; no campaign or sequence messages them. */
const SuppressionSchema = defineEntity({
  name: 'Suppression',
  tableName: 'suppressions',
  properties: {
    workspace: () => p.manyToOne(Workspace).primary().deleteRule('cascade'),
    phone: p.string().length(16).primary(),
    reason: p.enum([...SUPPRESSION_REASONS]),
    detail: p.string().length(500).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

/**
 * The numbers a running contacts import has written, to find a number repeated anywhere in its
 * file (an unlogged table, its rows deleted when the import ends; see its migration).
 */
const ContactImportNumberSchema = defineEntity({
  name: 'ContactImportNumber',
  tableName: 'contact_import_numbers',
  properties: {
    importId: p.uuid().primary(),
    phone: p.string().length(16).primary(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export class Contact extends ContactSchema.class {}
ContactSchema.setClass(Contact);
export class ContactList extends ContactListSchema.class {}
ContactListSchema.setClass(ContactList);
export class ContactListMember extends ContactListMemberSchema.class {}
ContactListMemberSchema.setClass(ContactListMember);
export class Suppression extends SuppressionSchema.class {}
SuppressionSchema.setClass(Suppression);
export class ContactImportNumber extends ContactImportNumberSchema.class {}
ContactImportNumberSchema.setClass(ContactImportNumber);
export {
  ContactImportNumberSchema,
  ContactListMemberSchema,
  ContactListSchema,
  ContactSchema,
  SuppressionSchema,
};
