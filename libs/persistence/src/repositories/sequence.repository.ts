import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicySchema,
  type DeliveryPolicy,
  type SequenceDefinition,
} from '#libs/domain';

interface SequenceRecord {
  id: string;
  name: string;
  draft: SequenceDefinition;
  published_version: number | null;
  paused_at: Date | string | null;
  pause_reason: string | null;
  pause_actor: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}
const date = (v: Date | string | null) => (v === null ? null : new Date(v));
const view = (s: SequenceRecord) => ({
  id: s.id,
  name: s.name,
  draft: s.draft,
  publishedVersion: s.published_version,
  paused: s.paused_at !== null,
  pausedAt: date(s.paused_at),
  pauseReason: s.pause_reason,
  pauseActor: s.pause_actor,
  createdAt: date(s.created_at),
  updatedAt: date(s.updated_at),
});
export type SequenceView = ReturnType<typeof view>;

export const dripWorkflowId = (sequenceId: string, contactId: string) =>
  `drip-${sequenceId}-${contactId}`;

export interface EnrolmentRecord {
  workflow_id: string;
  contact_id: string;
  version: number;
  status: 'active' | 'completed' | 'exited';
  step: string | null;
  exit_reason: string | null;
  held_reason: string | null;
  started_at: Date | string;
  ended_at: Date | string | null;
  engine: 'workflow' | 'runner';
  phase: string;
  due_at: Date | string | null;
  wait_until: Date | string | null;
  awaiting: string[];
  messages: number;
  visits: Record<string, number>;
  row_id: string | null;
}

const PAUSED = 'the sequence is paused';

const enrolmentView = (e: EnrolmentRecord & { paused: boolean }) => ({
  workflowId: e.workflow_id,
  contactId: e.contact_id,
  version: e.version,
  status: e.status,
  step: e.step,
  /** ready, send, sending (its message outstanding) or waiting. */
  phase: e.status === 'active' ? e.phase : null,
  exitReason: e.exit_reason,
  heldReason: e.status === 'active' ? (e.paused ? PAUSED : e.held_reason) : null,
  /** When the runner looks at it next. */
  dueAt: date(e.due_at),
  /** The events it listens for now. */
  awaiting: e.awaiting,
  messages: e.messages,
  /** Who advances it: the sequence's runner, or its per-contact workflow (the first design). */
  engine: e.engine,
  startedAt: date(e.started_at),
  endedAt: date(e.ended_at),
});

/**
 * Sequences, their published versions and enrolments, scoped to a workspace in every API
 * query. Publishing also creates the sequence's message ledger: a campaign row (kind
 * `sequence`, same id) whose recipient rows are the sequence's messages, so drip sends share
 * the campaigns' recipient state machine, counts and webhook handling.
 */
export class SequenceRepository {
  constructor(private readonly em: EntityManager) {}

  async create(workspaceId: string, name: string, draft: SequenceDefinition) {
    const rows = await this.em.fork().execute<SequenceRecord[]>(
      `insert into sequences (id, workspace_id, name, draft) values (?, ?, ?, ?::jsonb)
       on conflict (workspace_id, name) do nothing returning *`,
      [randomUUID(), workspaceId, name, JSON.stringify(draft)],
    );
    return rows[0] ? view(rows[0]) : null;
  }

  async list(workspaceId: string) {
    const rows = await this.em
      .fork()
      .execute<SequenceRecord[]>(`select * from sequences where workspace_id = ? order by name`, [
        workspaceId,
      ]);
    return rows.map(view);
  }

  async get(workspaceId: string, id: string) {
    const [row] = await this.em
      .fork()
      .execute<SequenceRecord[]>(`select * from sequences where workspace_id = ? and id = ?`, [
        workspaceId,
        id,
      ]);
    return row ? view(row) : null;
  }

  async update(
    workspaceId: string,
    id: string,
    patch: { name?: string; draft?: SequenceDefinition },
  ) {
    const rows = await this.em.fork().execute<SequenceRecord[]>(
      `update sequences set name = coalesce(?, name), draft = coalesce(?::jsonb, draft), updated_at = now()
       where workspace_id = ? and id = ? returning *`,
      [patch.name ?? null, patch.draft ? JSON.stringify(patch.draft) : null, workspaceId, id],
    );
    return rows[0] ? view(rows[0]) : null;
  }

  async remove(workspaceId: string, id: string): Promise<boolean> {
    const rows = await this.em.fork().transactional(async (em) => {
      await em.execute(
        `delete from campaigns where id = ? and workspace_id = ? and kind = 'sequence'`,
        [id, workspaceId],
      );
      return em.execute(`delete from sequences where workspace_id = ? and id = ? returning id`, [
        workspaceId,
        id,
      ]);
    });
    return rows.length > 0;
  }

  /** Freezes the draft as the next version; enrolments already running keep theirs. */
  async publish(workspaceId: string, id: string, by: string, sender: string) {
    return this.em.fork().transactional(async (em) => {
      const [seq] = await em.execute<SequenceRecord[]>(
        `select * from sequences where workspace_id = ? and id = ? for update`,
        [workspaceId, id],
      );
      if (!seq) return null;
      const version = (seq.published_version ?? 0) + 1;
      await em.execute(
        `insert into sequence_versions (sequence_id, version, definition, published_by)
         values (?, ?, ?::jsonb, ?)`,
        [id, version, JSON.stringify(seq.draft), by],
      );
      await em.execute(
        `update sequences set published_version = ?, updated_at = now() where id = ?`,
        [version, id],
      );
      await em.execute(
        `insert into campaigns (id, workspace_id, name, kind, template_name, template_language,
           sender_phone_number_id, status, frozen_at)
         values (?, ?, ?, 'sequence', '(sequence)', 'und', ?, 'running', now())
         on conflict (id) do update set name = excluded.name`,
        [id, workspaceId, `sequence: ${seq.name}`, sender],
      );
      return version;
    });
  }

  async versions(workspaceId: string, id: string) {
    const rows = await this.em.fork().execute<
      {
        version: number;
        definition: SequenceDefinition;
        published_by: string;
        published_at: Date;
      }[]
    >(
      `select v.version, v.definition, v.published_by, v.published_at from sequence_versions v
       join sequences s on s.id = v.sequence_id
       where s.workspace_id = ? and v.sequence_id = ? order by v.version desc`,
      [workspaceId, id],
    );
    return rows.map((r) => ({
      version: r.version,
      definition: r.definition,
      publishedBy: r.published_by,
      publishedAt: date(r.published_at),
    }));
  }

  async version(sequenceId: string, version: number): Promise<SequenceDefinition | null> {
    const [row] = await this.em
      .fork()
      .execute<{ definition: SequenceDefinition }[]>(
        `select definition from sequence_versions where sequence_id = ? and version = ?`,
        [sequenceId, version],
      );
    return row?.definition ?? null;
  }

  async setPaused(
    workspaceId: string | null,
    id: string,
    paused: boolean,
    why: { reason: string | null; actor: string | null } = { reason: null, actor: null },
  ): Promise<boolean> {
    const rows = await this.em.fork().execute(
      `update sequences set paused_at = case when ? then coalesce(paused_at, now()) end,
         pause_reason = ?, pause_actor = ?, updated_at = now()
       where (?::uuid is null or workspace_id = ?::uuid) and id = ? returning id`,
      [paused, why.reason, why.actor, workspaceId, workspaceId, id],
    );
    return rows.length > 0;
  }

  /** Enrolments by status, and the active ones by step and by phase. */
  async progress(id: string) {
    const rows = await this.em
      .fork()
      .execute<{ status: string; step: string | null; phase: string; n: string }[]>(
        `select status, case when status = 'active' then step end as step,
              case when status = 'active' then phase end as phase, count(*) as n
       from enrolments where sequence_id = ? group by 1, 2, 3`,
        [id],
      );
    const byStatus: Record<string, number> = {};
    const byStep: Record<string, number> = {};
    const byPhase: Record<string, number> = {};
    for (const r of rows) {
      const n = Number(r.n);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + n;
      if (r.status !== 'active') continue;
      const step = r.step ?? '(starting)';
      byStep[step] = (byStep[step] ?? 0) + n;
      byPhase[r.phase] = (byPhase[r.phase] ?? 0) + n;
    }
    return { byStatus, byStep, byPhase };
  }

  async isPaused(id: string): Promise<boolean> {
    const [row] = await this.em
      .fork()
      .execute<{ paused: boolean }[]>(
        `select paused_at is not null as paused from sequences where id = ?`,
        [id],
      );
    return row?.paused ?? true;
  }

  /** Which of these ids are contacts of the workspace. */
  async knownContacts(workspaceId: string, ids: string[]): Promise<Set<string>> {
    const rows = await this.em.fork().execute<{ id: string }[]>(
      `select id from contacts where workspace_id = ?
         and id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])`,
      [workspaceId, JSON.stringify(ids)],
    );
    return new Set(rows.map((r) => r.id));
  }

  async enrolments(
    workspaceId: string,
    sequenceId: string,
    status: EnrolmentRecord['status'] | undefined,
    afterId: string | null,
    limit: number,
  ) {
    const rows = await this.em.fork().execute<(EnrolmentRecord & { paused: boolean })[]>(
      `select e.*, s.paused_at is not null as paused
       from enrolments e join sequences s on s.id = e.sequence_id
       where e.workspace_id = ? and e.sequence_id = ?
         and (?::text is null or e.status = ?::text) and (?::text is null or e.workflow_id > ?::text)
       order by e.workflow_id limit ?`,
      [workspaceId, sequenceId, status ?? null, status ?? null, afterId, afterId, limit],
    );
    return rows.map(enrolmentView);
  }

  /**
   * One contact's journey in the sequence, from PostgreSQL: its enrolment (version, step, due
   * time, what it waits for), what happened in order (steps entered, events heard, its end),
   * and its messages with their statuses.
   */
  async journey(workspaceId: string, sequenceId: string, contactId: string) {
    const [enrolment] = await this.em.fork().execute<(EnrolmentRecord & { paused: boolean })[]>(
      `select e.*, s.paused_at is not null as paused
       from enrolments e join sequences s on s.id = e.sequence_id
       where e.workspace_id = ? and e.sequence_id = ? and e.contact_id = ?`,
      [workspaceId, sequenceId, contactId],
    );
    if (!enrolment) return null;
    const journal = await this.em
      .fork()
      .execute<
        { at: Date; kind: string; step: string | null; detail: Record<string, unknown> | null }[]
      >(`select at, kind, step, detail from enrolment_journal where workflow_id = ? order by id`, [
        enrolment.workflow_id,
      ]);
    const messages = await this.em.fork().execute<
      {
        id: string;
        send_key: string | null;
        status: string;
        template_name: string | null;
        template_language: string | null;
        content: { text?: string } | null;
        error_code: number | null;
        error_message: string | null;
        sent_at: Date | null;
        delivered_at: Date | null;
        read_at: Date | null;
        failed_at: Date | null;
      }[]
    >(
      `select id, send_key, status, template_name, template_language, content, error_code,
              error_message, sent_at, delivered_at, read_at, failed_at
       from recipients where campaign_id = ? and contact_id = ? order by id`,
      [sequenceId, contactId],
    );
    return {
      ...enrolmentView(enrolment),
      visits: enrolment.visits,
      waitUntil: date(enrolment.wait_until),
      events: journal.map((j) => ({
        at: date(j.at),
        kind: j.kind,
        step: j.step,
        ...(j.detail ? { detail: j.detail } : {}),
      })),
      messages: messages.map((m) => ({
        id: Number(m.id),
        /** The step whose message it is (the send key names enrolment, start, step and visit). */
        step: m.send_key?.split('/')[2] ?? null,
        visit: m.send_key ? Number(m.send_key.split('/')[3]) : null,
        status: m.status,
        template: m.template_name ? { name: m.template_name, language: m.template_language } : null,
        text: m.content?.text ?? null,
        error:
          m.error_code !== null || m.error_message
            ? { code: m.error_code, message: m.error_message }
            : null,
        sentAt: m.sent_at,
        deliveredAt: m.delivered_at,
        readAt: m.read_at,
        failedAt: m.failed_at,
      })),
    };
  }

  /**
   * An enrolment run by its per-contact workflow hands over: its position is written for the
   * sequence's runner, due at once.
   */
  async handOver(input: {
    workflowId: string;
    step: string | null;
    phase: 'ready' | 'send';
    visits: Record<string, number>;
    enrolledAt: number;
    lastRowId: number | null;
    lastSentAt: number | null;
    messages: number;
    events: unknown[];
  }): Promise<{ sequenceId: string; workspaceId: string } | null> {
    const [row] = await this.em.fork().execute<{ sequence_id: string; workspace_id: string }[]>(
      `update enrolments set engine = 'runner', step = ?, phase = ?, visits = ?::jsonb,
         enrolled_at_ms = ?, row_id = ?, last_sent_at = to_timestamp(?::double precision / 1000),
         messages = ?, events = ?::jsonb, due_at = now(), wait_until = null
       where workflow_id = ? and status = 'active' and engine = 'workflow'
       returning sequence_id, workspace_id`,
      [
        input.step,
        input.phase,
        JSON.stringify(input.visits),
        input.enrolledAt,
        input.lastRowId,
        input.lastSentAt,
        input.messages,
        JSON.stringify(input.events),
        input.workflowId,
      ],
    );
    return row ? { sequenceId: row.sequence_id, workspaceId: row.workspace_id } : null;
  }

  /** The sequence's active enrolments still run by their per-contact workflow. */
  async legacyWorkflowIds(sequenceId: string): Promise<string[]> {
    const rows = await this.em.fork().execute<{ workflow_id: string }[]>(
      `select workflow_id from enrolments
         where sequence_id = ? and status = 'active' and engine = 'workflow'`,
      [sequenceId],
    );
    return rows.map((r) => r.workflow_id);
  }

  async hasActive(sequenceId: string): Promise<boolean> {
    const [row] = await this.em
      .fork()
      .execute<{ active: boolean }[]>(
        `select exists (select 1 from enrolments where sequence_id = ? and status = 'active') as active`,
        [sequenceId],
      );
    return row?.active ?? false;
  }

  /** The contact's active enrolment in the sequence, if any, and who runs it. */
  async activeEnrolment(sequenceId: string, contactId: string) {
    const [row] = await this.em
      .fork()
      .execute<{ workflow_id: string; engine: 'workflow' | 'runner' }[]>(
        `select workflow_id, engine from enrolments
         where sequence_id = ? and contact_id = ? and status = 'active'`,
        [sequenceId, contactId],
      );
    return row ?? null;
  }

  /** Ends a runner's enrolment at once (removed by hand); its message not sent yet is withdrawn. */
  async exit(workflowId: string, reason: string): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const rows = await em.execute<{ row_id: string | null }[]>(
        `update enrolments set status = 'exited', exit_reason = ?, ended_at = now(), awaiting = '[]',
           due_at = null
         where workflow_id = ? and status = 'active' and engine = 'runner'
         returning row_id`,
        [reason, workflowId],
      );
      if (!rows.length) return false;
      await em.execute(
        `insert into enrolment_journal (workflow_id, kind, detail) values (?, 'exited', ?::jsonb)`,
        [workflowId, JSON.stringify({ reason })],
      );
      if (rows[0].row_id !== null) {
        await em.execute(
          `update recipients set status = 'cancelled', error_message = 'the enrolment ended',
             updated_at = now()
           where id = ? and status = 'pending'`,
          [rows[0].row_id],
        );
      }
      return true;
    });
  }

  /**
   * Ends the active enrolments of numbers that opted out, at once and set-wise (no message can
   * go after this: every send checks the suppression list too). Returns their workflow ids, to
   * be signalled so each workflow closes.
   */
  async exitOptedOut(workspaceId: string, phones: string[]): Promise<string[]> {
    if (phones.length === 0) return [];
    const rows = await this.em.fork().execute<{ workflow_id: string; engine: string }[]>(
      `with ended as (
         update enrolments e set status = 'exited', exit_reason = 'opted out', ended_at = now(),
           awaiting = '[]', due_at = null
         from contacts c
         where c.id = e.contact_id and e.status = 'active' and c.workspace_id = ?
           and c.phone = any(array(select jsonb_array_elements_text(?::jsonb)))
         returning e.workflow_id, e.engine),
       journal as (
         insert into enrolment_journal (workflow_id, kind, detail)
         select workflow_id, 'exited', '{"reason": "opted out"}'::jsonb from ended)
       select workflow_id, engine from ended`,
      [workspaceId, JSON.stringify(phones)],
    );
    return rows.filter((r) => r.engine === 'workflow').map((r) => r.workflow_id);
  }

  /** Records why an enrolment waits before its next send, or clears it (null). */
  async setHeld(workflowId: string, reason: string | null) {
    await this.em
      .fork()
      .execute(
        `update enrolments set held_reason = ? where workflow_id = ? and status = 'active'`,
        [reason, workflowId],
      );
  }

  /** Records where an enrolment is and what it listens for. */
  async setPosition(workflowId: string, step: string | null, awaiting: string[]) {
    await this.em
      .fork()
      .execute(
        `update enrolments set step = ?, awaiting = ?::jsonb where workflow_id = ? and status = 'active'`,
        [step, JSON.stringify(awaiting), workflowId],
      );
  }

  async finish(workflowId: string, status: 'completed' | 'exited', reason: string | null) {
    await this.em.fork().execute(
      `update enrolments set status = ?, exit_reason = ?, ended_at = now(), awaiting = '[]'
       where workflow_id = ? and status = 'active'`,
      [status, reason, workflowId],
    );
  }

  async deliveryPolicy(workspaceId: string): Promise<DeliveryPolicy> {
    const [row] = await this.em
      .fork()
      .execute<{ delivery_policy: unknown }[]>(
        `select delivery_policy from workspaces where id = ?`,
        [workspaceId],
      );
    const parsed = deliveryPolicySchema.safeParse(row?.delivery_policy ?? {});
    return parsed.success ? parsed.data : DEFAULT_DELIVERY_POLICY;
  }

  async setDeliveryPolicy(workspaceId: string, policy: DeliveryPolicy) {
    await this.em
      .fork()
      .execute(`update workspaces set delivery_policy = ?::jsonb where id = ?`, [
        JSON.stringify(policy),
        workspaceId,
      ]);
  }
}
