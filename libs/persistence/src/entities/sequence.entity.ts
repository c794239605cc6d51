import { defineEntity, p } from '@mikro-orm/postgresql';
import { Workspace } from './identity.entity.js';

/** A drip sequence: an editable draft and, once published, its numbered immutable versions. */
const SequenceSchema = defineEntity({
  name: 'Sequence',
  tableName: 'sequences',
  uniques: [{ properties: ['workspace', 'name'] }],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(200),
    draft: p.json<Record<string, unknown>>(),
    publishedVersion: p.integer().nullable(),
    /** While set, every enrolment holds before its next send. */
    pausedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

const SequenceVersionSchema = defineEntity({
  name: 'SequenceVersion',
  tableName: 'sequence_versions',
  properties: {
    sequence: () => p.manyToOne(Sequence).primary().deleteRule('cascade'),
    version: p.integer().primary(),
    definition: p.json<Record<string, unknown>>(),
    publishedBy: p.string().length(320),
    publishedAt: p.datetime().defaultRaw('now()'),
  },
});

/** One contact's journey through one sequence: workflow `drip-<sequence>-<contact>`. */
const EnrolmentSchema = defineEntity({
  name: 'Enrolment',
  tableName: 'enrolments',
  indexes: [
    { name: 'enrolments_contact_id_index', properties: ['contactId'], where: `status = 'active'` },
    { properties: ['sequence', 'status'] },
  ],
  properties: {
    workflowId: p.string().length(100).primary(),
    workspaceId: p.uuid(),
    sequence: () => p.manyToOne(Sequence).deleteRule('cascade'),
    contactId: p.uuid(),
    version: p.integer(),
    status: p.enum(['active', 'completed', 'exited'] as const).default('active'),
    step: p.string().length(64).nullable(),
    /** Events the enrolment listens for now (reply, read, button, goal…); webhooks signal only these. */
    awaiting: p.json<string[]>().defaultRaw(`'[]'`),
    exitReason: p.string().length(200).nullable(),
    /** Why the enrolment waits before its next send (quiet hours, frequency cap, paused). */
    heldReason: p.string().length(200).nullable(),
    startedAt: p.datetime().defaultRaw('now()'),
    endedAt: p.datetime().nullable(),
  },
});

export class Sequence extends SequenceSchema.class {}
SequenceSchema.setClass(Sequence);
export class SequenceVersion extends SequenceVersionSchema.class {}
SequenceVersionSchema.setClass(SequenceVersion);
export class Enrolment extends EnrolmentSchema.class {}
EnrolmentSchema.setClass(Enrolment);
export { EnrolmentSchema, SequenceSchema, SequenceVersionSchema };
