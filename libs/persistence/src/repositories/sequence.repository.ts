import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicySchema,
  type ContactFilter,
  type DeliveryPolicy,
  type SequenceDefinition,
} from '#libs/domain';
import { contactSelection } from './contact-selection.js';

interface SequenceRecord {
  id: string;
  name: string;
  draft: SequenceDefinition;
  published_version: number | null;
  paused_at: Date | string | null;
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
}

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

  async setPaused(workspaceId: string, id: string, paused: boolean): Promise<boolean> {
    const rows = await this.em.fork().execute(
      `update sequences set paused_at = case when ? then coalesce(paused_at, now()) end, updated_at = now()
       where workspace_id = ? and id = ? returning id`,
      [paused, workspaceId, id],
    );
    return rows.length > 0;
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

  /** Contact ids the selection names, in id order, after `afterId`. */
  async contactIds(
    workspaceId: string,
    filter: ContactFilter,
    afterId: string | null,
    limit: number,
  ) {
    const selection = contactSelection(workspaceId, filter);
    const rows = await this.em.fork().execute<{ id: string }[]>(
      `select c.id from contacts c where ${selection.where} and (?::uuid is null or c.id > ?::uuid)
       order by c.id limit ?`,
      [...selection.params, afterId, afterId, limit],
    );
    return rows.map((r) => r.id);
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

  /**
   * Claims enrolments for the contacts under the sequence's re-entry rule: a contact with no
   * enrolment, or whose last one ended and may enter again (`after_exit`, or `after_cooldown`
   * once the cooldown passed), becomes active at `version`. Returns the contacts claimed; the
   * others are already active or may not re-enter.
   */
  async claimEnrolments(
    workspaceId: string,
    sequenceId: string,
    version: number,
    contactIds: string[],
    reentry: SequenceDefinition['reentry'],
  ): Promise<string[]> {
    if (contactIds.length === 0) return [];
    const cooldownMs =
      reentry.policy === 'never'
        ? null
        : reentry.policy === 'after_exit'
          ? 0
          : (reentry.cooldownHours ?? 0) * 3_600_000;
    const rows = await this.em.fork().execute<{ contact_id: string }[]>(
      `insert into enrolments (workflow_id, workspace_id, sequence_id, contact_id, version)
       select 'drip-' || ? || '-' || c, ?, ?, c::uuid, ?
       from jsonb_array_elements_text(?::jsonb) as c
       on conflict (workflow_id) do update set
         status = 'active', version = excluded.version, step = null, awaiting = '[]',
         exit_reason = null, started_at = now(), ended_at = null
       where enrolments.status <> 'active' and ?::double precision is not null
         and enrolments.ended_at <= now() - ?::double precision * interval '1 millisecond'
       returning contact_id`,
      [
        sequenceId,
        workspaceId,
        sequenceId,
        version,
        JSON.stringify(contactIds),
        cooldownMs,
        cooldownMs,
      ],
    );
    return rows.map((r) => r.contact_id);
  }

  /** Hands back claims whose workflow could not be started. */
  async releaseEnrolments(sequenceId: string, contactIds: string[], reason: string) {
    if (contactIds.length === 0) return;
    await this.em.fork().execute(
      `update enrolments set status = 'exited', exit_reason = ?, ended_at = now()
       where sequence_id = ? and contact_id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])`,
      [reason, sequenceId, JSON.stringify(contactIds)],
    );
  }

  async enrolments(
    workspaceId: string,
    sequenceId: string,
    status: EnrolmentRecord['status'] | undefined,
    afterId: string | null,
    limit: number,
  ) {
    const rows = await this.em.fork().execute<EnrolmentRecord[]>(
      `select workflow_id, contact_id, version, status, step, exit_reason, held_reason, started_at, ended_at
       from enrolments where workspace_id = ? and sequence_id = ?
         and (?::text is null or status = ?::text) and (?::text is null or workflow_id > ?::text)
       order by workflow_id limit ?`,
      [workspaceId, sequenceId, status ?? null, status ?? null, afterId, afterId, limit],
    );
    return rows.map((e) => ({
      workflowId: e.workflow_id,
      contactId: e.contact_id,
      version: e.version,
      status: e.status,
      step: e.step,
      exitReason: e.exit_reason,
      heldReason: e.held_reason,
      startedAt: date(e.started_at),
      endedAt: date(e.ended_at),
    }));
  }

  async activeWorkflowIds(sequenceId: string): Promise<string[]> {
    const rows = await this.em
      .fork()
      .execute<{ workflow_id: string }[]>(
        `select workflow_id from enrolments where sequence_id = ? and status = 'active'`,
        [sequenceId],
      );
    return rows.map((r) => r.workflow_id);
  }

  /**
   * The active enrolments of these numbers' contacts, with the events each listens for; the
   * webhook intake signals only those that wait for what arrived.
   */
  async listeners(workspaceId: string, phones: string[]) {
    if (phones.length === 0) return [];
    return this.em.fork().execute<{ workflow_id: string; phone: string; awaiting: string[] }[]>(
      `select e.workflow_id, c.phone, e.awaiting from contacts c
       join enrolments e on e.contact_id = c.id and e.status = 'active'
       where c.workspace_id = ? and c.phone = any(array(select jsonb_array_elements_text(?::jsonb)))`,
      [workspaceId, JSON.stringify(phones)],
    );
  }

  /**
   * Ends the active enrolments of numbers that opted out, at once and set-wise (no message can
   * go after this: every send checks the suppression list too). Returns their workflow ids, to
   * be signalled so each workflow closes.
   */
  async exitOptedOut(workspaceId: string, phones: string[]): Promise<string[]> {
    if (phones.length === 0) return [];
    const rows = await this.em.fork().execute<{ workflow_id: string }[]>(
      `update enrolments e set status = 'exited', exit_reason = 'opted out', ended_at = now(),
         awaiting = '[]'
       from contacts c
       where c.id = e.contact_id and e.status = 'active' and c.workspace_id = ?
         and c.phone = any(array(select jsonb_array_elements_text(?::jsonb)))
       returning e.workflow_id`,
      [workspaceId, JSON.stringify(phones)],
    );
    return rows.map((r) => r.workflow_id);
  }

  /** Active enrolments by workflow id, with what they listen for. */
  async listenersById(workflowIds: string[]) {
    if (workflowIds.length === 0) return [];
    return this.em.fork().execute<{ workflow_id: string; awaiting: string[] }[]>(
      `select workflow_id, awaiting from enrolments where status = 'active'
         and workflow_id = any(array(select jsonb_array_elements_text(?::jsonb)))`,
      [JSON.stringify(workflowIds)],
    );
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
