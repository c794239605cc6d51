import { defineEntity, p } from '@mikro-orm/postgresql';
import { Workspace } from './identity.entity.js';

/**
 * An uploaded audience: numbers and their template parameters, streamed in once and immutable
 * afterwards. Campaigns launched from it freeze its members into recipient rows.
 */
const AudienceSchema = defineEntity({
  name: 'Audience',
  tableName: 'audiences',
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade').index(),
    name: p.string().length(200),
    status: p.enum(['uploading', 'ready', 'failed'] as const).default('uploading'),
    members: p.integer().default(0),
    duplicates: p.integer().default(0),
    rejected: p.integer().default(0),
    createdAt: p.datetime().defaultRaw('now()'),
    completedAt: p.datetime().nullable(),
  },
});

const AudienceMemberSchema = defineEntity({
  name: 'AudienceMember',
  tableName: 'audience_members',
  // A launch checks a member's values page by page, in upload order.
  indexes: [{ properties: ['audience', 'row'] }],
  properties: {
    audience: () => p.manyToOne(Audience).primary().deleteRule('cascade'),
    phone: p.string().length(16).primary(),
    country: p.string().length(2),
    variables: p.json<string[]>().nullable(),
    /** Values by column name (CSV header, NDJSON `values`), for templates in Meta's form. */
    values: p.json<Record<string, string>>().nullable(),
    /** The upload's row (CSV line, NDJSON line) the member came from. */
    row: p.integer().nullable(),
  },
});

export class Audience extends AudienceSchema.class {}
AudienceSchema.setClass(Audience);
export class AudienceMember extends AudienceMemberSchema.class {}
AudienceMemberSchema.setClass(AudienceMember);
export { AudienceMemberSchema, AudienceSchema };
