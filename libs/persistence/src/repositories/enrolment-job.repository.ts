import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContactFilter, SequenceDefinition } from '#libs/domain';
import { contactSelection } from './contact-selection.js';

export type Reentry = SequenceDefinition['reentry'];

export interface EnrolmentJobView {
  id: string;
  sequenceId: string;
  version: number;
  selection: ContactFilter;
  status: 'running' | 'completed' | 'failed';
  processed: number;
  enrolled: number;
  notEnrolled: number;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  completedAt: Date | null;
}

interface JobRecord {
  id: string;
  sequence_id: string;
  workspace_id: string;
  version: number;
  selection: ContactFilter;
  status: EnrolmentJobView['status'];
  after_id: string | null;
  processed: string;
  enrolled: string;
  not_enrolled: string;
  error: string | null;
  created_by: string;
  created_at: Date | string;
  completed_at: Date | string | null;
}

const view = (j: JobRecord): EnrolmentJobView => ({
  id: j.id,
  sequenceId: j.sequence_id,
  version: j.version,
  selection: j.selection,
  status: j.status,
  processed: Number(j.processed),
  enrolled: Number(j.enrolled),
  notEnrolled: Number(j.not_enrolled),
  error: j.error,
  createdBy: j.created_by,
  createdAt: new Date(j.created_at),
  completedAt: j.completed_at === null ? null : new Date(j.completed_at),
});

/**
 * The cooldown a re-entry rule allows, in ms: null when a contact may never enter again.
 */
const cooldownMs = (reentry: Reentry) =>
  reentry.policy === 'never'
    ? null
    : reentry.policy === 'after_exit'
      ? 0
      : (reentry.cooldownHours ?? 0) * 3_600_000;

/**
 * Enrols contacts set-wise: one statement inserts (or, under the re-entry rule, restarts) the
 * enrolments of a batch of contacts, due at once for the sequence's runner. A list or filter
 * of any size is a job that walks the contacts in id order, a batch per statement, keeping its
 * cursor and counts in its row, so it goes on where it stopped after a crash.
 */
export class EnrolmentJobRepository {
  constructor(private readonly em: EntityManager) {}

  /** Enrols these contacts of the workspace now; returns how many were enrolled. */
  async enrolContacts(
    workspaceId: string,
    sequenceId: string,
    version: number,
    reentry: Reentry,
    contactIds: string[],
  ): Promise<number> {
    if (contactIds.length === 0) return 0;
    const [row] = await this.em.fork().execute<{ enrolled: string }[]>(
      `with picked as (
         select c.id from contacts c where c.workspace_id = ?
           and c.id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])),
       ${this.upsert()}
       select count(*) as enrolled from ins`,
      [
        workspaceId,
        JSON.stringify(contactIds),
        ...this.upsertParams(workspaceId, sequenceId, version, reentry),
      ],
    );
    return Number(row?.enrolled ?? 0);
  }

  async create(input: {
    workspaceId: string;
    sequenceId: string;
    version: number;
    selection: ContactFilter;
    createdBy: string;
  }): Promise<EnrolmentJobView> {
    const [row] = await this.em.fork().execute<JobRecord[]>(
      `insert into enrolment_jobs (id, workspace_id, sequence_id, version, selection, created_by)
       values (?, ?, ?, ?, ?::jsonb, ?) returning *`,
      [
        randomUUID(),
        input.workspaceId,
        input.sequenceId,
        input.version,
        JSON.stringify(input.selection),
        input.createdBy,
      ],
    );
    return view(row);
  }

  async get(workspaceId: string, sequenceId: string, id: string): Promise<EnrolmentJobView | null> {
    const [row] = await this.em
      .fork()
      .execute<JobRecord[]>(
        `select * from enrolment_jobs where workspace_id = ? and sequence_id = ? and id = ?`,
        [workspaceId, sequenceId, id],
      );
    return row ? view(row) : null;
  }

  /** Jobs of the sequence still running, oldest first: what its runner works through. */
  async running(sequenceId: string): Promise<string[]> {
    const rows = await this.em
      .fork()
      .execute<{ id: string }[]>(
        `select id from enrolment_jobs where sequence_id = ? and status = 'running' order by created_at`,
        [sequenceId],
      );
    return rows.map((r) => r.id);
  }

  /**
   * Enrols the job's next `limit` contacts (by id, after its cursor) in one transaction that
   * moves the cursor and the counts with them. `more` is false once the job is done.
   */
  async step(jobId: string, limit: number): Promise<{ more: boolean; enrolled: number }> {
    return this.em.fork().transactional(async (em) => {
      const [job] = await em.execute<(JobRecord & { reentry: Reentry | null })[]>(
        `select j.*, v.definition -> 'reentry' as reentry
         from enrolment_jobs j
         join sequence_versions v on v.sequence_id = j.sequence_id and v.version = j.version
         where j.id = ? and j.status = 'running' for update of j`,
        [jobId],
      );
      if (!job) return { more: false, enrolled: 0 };
      const reentry = job.reentry ?? { policy: 'never' as const };
      const selection = contactSelection(job.workspace_id, job.selection);
      const [row] = await em.execute<{ scanned: string; last: string | null; enrolled: string }[]>(
        `with picked as (
           select c.id from contacts c
           where ${selection.where} and (?::uuid is null or c.id > ?::uuid)
           order by c.id limit ?),
         ${this.upsert()}
         select (select count(*) from picked) as scanned,
                (select max(id::text) from picked) as last,
                (select count(*) from ins) as enrolled`,
        [
          ...selection.params,
          job.after_id,
          job.after_id,
          limit,
          ...this.upsertParams(job.workspace_id, job.sequence_id, job.version, reentry),
        ],
      );
      const scanned = Number(row.scanned);
      const enrolled = Number(row.enrolled);
      const done = scanned < limit;
      await em.execute(
        `update enrolment_jobs set processed = processed + ?, enrolled = enrolled + ?,
           not_enrolled = not_enrolled + ?, after_id = coalesce(?::uuid, after_id),
           status = case when ? then 'completed' else status end,
           completed_at = case when ? then now() else completed_at end
         where id = ?`,
        [scanned, enrolled, scanned - enrolled, row.last, done, done, jobId],
      );
      return { more: !done, enrolled };
    });
  }

  async fail(jobId: string, error: string): Promise<void> {
    await this.em.fork().execute(
      `update enrolment_jobs set status = 'failed', error = ?, completed_at = now()
       where id = ? and status = 'running'`,
      [error.slice(0, 2000), jobId],
    );
  }

  /**
   * The CTE `ins`: enrolments for the contacts of CTE `picked`, new or restarted under the
   * re-entry rule (an active one is left alone), due now, at the version given.
   */
  private upsert(): string {
    return `ins as (
      insert into enrolments (workflow_id, workspace_id, sequence_id, contact_id, version,
        engine, phase, due_at, enrolled_at_ms)
      select 'drip-' || ?::text || '-' || p.id, ?, ?, p.id, ?, 'runner', 'ready', now(),
        (extract(epoch from clock_timestamp()) * 1000)::bigint
      from picked p order by p.id
      on conflict (workflow_id) do update set
        status = 'active', version = excluded.version, engine = 'runner', phase = 'ready',
        step = null, due_at = now(), wait_until = null, visits = '{}', events = '[]',
        row_id = null, last_sent_at = null, messages = 0, awaiting = '[]', exit_reason = null,
        held_reason = null, started_at = now(), ended_at = null,
        enrolled_at_ms = excluded.enrolled_at_ms
      where enrolments.status <> 'active' and ?::double precision is not null
        and enrolments.ended_at <= now() - ?::double precision * interval '1 millisecond'
      returning contact_id)`;
  }

  private upsertParams(workspaceId: string, sequenceId: string, version: number, reentry: Reentry) {
    const cooldown = cooldownMs(reentry);
    return [sequenceId, workspaceId, sequenceId, version, cooldown, cooldown];
  }
}
