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
    /** Why, and who paused it (a user, an operator in the Temporal UI, the engine). */
    pauseReason: p.text().nullable(),
    pauseActor: p.string().length(200).nullable(),
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

/**
 * One contact's journey through one sequence, keyed `drip-<sequence>-<contact>`. Enrolments the
 * sequence's runner advances (`engine` runner) keep their whole position here; those started
 * under the per-contact workflow of that id (`engine` workflow) hand over to the runner at their
 * next step.
 */
const EnrolmentSchema = defineEntity({
  name: 'Enrolment',
  tableName: 'enrolments',
  indexes: [
    { name: 'enrolments_contact_id_index', properties: ['contactId'], where: `status = 'active'` },
    { properties: ['sequence', 'status'] },
    // The runner's batches: active enrolments of a sequence by due time.
    {
      name: 'enrolments_due_index',
      properties: ['sequence', 'dueAt'],
      where: `status = 'active' and due_at is not null`,
    },
    // An outcome written for a message wakes the enrolment waiting for it.
    {
      name: 'enrolments_row_id_index',
      properties: ['rowId'],
      where: `status = 'active' and row_id is not null`,
    },
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
    engine: p.enum(['workflow', 'runner'] as const).default('workflow'),
    /** ready: enter `step` when due; send/sending: its message to enqueue / awaited; waiting: a wait. */
    phase: p.enum(['ready', 'send', 'sending', 'waiting'] as const).default('ready'),
    /** When the runner looks at the enrolment next; null while only its message's outcome can move it. */
    dueAt: p.datetime().nullable(),
    /** The end of the current wait or wait_for's timeout. */
    waitUntil: p.datetime().nullable(),
    visits: p.json<Record<string, number>>().defaultRaw(`'{}'`),
    /** Events heard and not consumed yet (replies, reads, buttons, the goal). */
    events: p.json<unknown[]>().defaultRaw(`'[]'`),
    /** The enrolment's start in epoch ms: part of every message's send key. */
    enrolledAtMs: p.bigint('number').nullable(),
    /** The ledger row of the message outstanding, or of the last one sent. */
    rowId: p.bigint('number').nullable(),
    lastSentAt: p.datetime().nullable(),
    messages: p.integer().default(0),
  },
});

/** What happened in an enrolment, in order: steps entered, events heard, its end. */
const EnrolmentJournalSchema = defineEntity({
  name: 'EnrolmentJournal',
  tableName: 'enrolment_journal',
  indexes: [{ properties: ['enrolment', 'id'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    enrolment: () => p.manyToOne(Enrolment).fieldName('workflow_id').deleteRule('cascade'),
    at: p.datetime().defaultRaw('now()'),
    kind: p.text(),
    step: p.string().length(64).nullable(),
    detail: p.json<Record<string, unknown>>().nullable(),
  },
});

/** Enrolling a list or filter of any size: set-wise, in batches, with its progress. */
const EnrolmentJobSchema = defineEntity({
  name: 'EnrolmentJob',
  tableName: 'enrolment_jobs',
  indexes: [{ properties: ['sequence', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    workspaceId: p.uuid(),
    sequence: () => p.manyToOne(Sequence).deleteRule('cascade'),
    version: p.integer(),
    selection: p.json<Record<string, unknown>>(),
    status: p.enum(['running', 'completed', 'failed'] as const).default('running'),
    /** The last contact id enrolled: the job goes on from here after a crash. */
    afterId: p.uuid().nullable(),
    processed: p.bigint('number').default(0),
    enrolled: p.bigint('number').default(0),
    notEnrolled: p.bigint('number').default(0),
    error: p.text().nullable(),
    createdBy: p.string().length(320),
    createdAt: p.datetime().defaultRaw('now()'),
    completedAt: p.datetime().nullable(),
  },
});

export class Sequence extends SequenceSchema.class {}
SequenceSchema.setClass(Sequence);
export class SequenceVersion extends SequenceVersionSchema.class {}
SequenceVersionSchema.setClass(SequenceVersion);
export class Enrolment extends EnrolmentSchema.class {}
EnrolmentSchema.setClass(Enrolment);
export class EnrolmentJournal extends EnrolmentJournalSchema.class {}
EnrolmentJournalSchema.setClass(EnrolmentJournal);
export class EnrolmentJob extends EnrolmentJobSchema.class {}
EnrolmentJobSchema.setClass(EnrolmentJob);
export {
  EnrolmentJobSchema,
  EnrolmentJournalSchema,
  EnrolmentSchema,
  SequenceSchema,
  SequenceVersionSchema,
};
