import type { EntityManager } from '@mikro-orm/postgresql';
import type { EnrolmentEvent } from '#libs/domain';

export interface HeardMessage {
  phone: string;
  kind: 'reply' | 'button';
  payload?: string;
  at: number;
}

/** A read of a sequence's message: its ledger row, sequence and contact. */
export interface HeardRead {
  rowId: number;
  sequenceId: string;
  contactId: string | null;
  at: number;
}

export interface Heard {
  /** Sequences whose runner must look at the enrolments that heard something. */
  wake: string[];
  /** Enrolments still run by their per-contact workflow, to be signalled. */
  legacy: { workflowId: string; event: EnrolmentEvent }[];
}

/** Events an enrolment keeps at most until it consumes them. */
const MAX_EVENTS = 20;

/**
 * What webhooks tell enrolments, set-wise: a reply, a button tap or a read reaches only the
 * active enrolments that listen for it (their `awaiting` keys), in one statement per delivery;
 * each gains the event and becomes due at once, so its runner handles all of them in its next
 * batch. Enrolments still run by their per-contact workflow are returned to be signalled.
 */
export class EnrolmentIntakeRepository {
  constructor(private readonly em: EntityManager) {}

  async hear(workspaceId: string, messages: HeardMessage[]): Promise<Heard> {
    if (messages.length === 0) return { wake: [], legacy: [] };
    return this.deliver(
      `select e.workflow_id, e.engine, e.sequence_id, m.event, m.keys
       from jsonb_to_recordset(?::jsonb) as m(phone text, keys jsonb, event jsonb)
       join contacts c on c.workspace_id = ? and c.phone = m.phone
       join enrolments e on e.contact_id = c.id and e.status = 'active'`,
      [
        JSON.stringify(
          messages.map((m) => ({
            phone: m.phone,
            keys: m.kind === 'button' ? ['button', `button:${m.payload ?? ''}`] : ['reply'],
            event: {
              kind: m.kind,
              ...(m.payload === undefined ? {} : { payload: m.payload }),
              at: m.at,
            },
          })),
        ),
        workspaceId,
      ],
    );
  }

  /**
   * Reads of messages: the enrolments whose last message it was, if they wait for a read (an
   * enrolment still run by its per-contact workflow is found by its sequence and contact).
   */
  async heardReads(reads: HeardRead[]): Promise<Heard> {
    if (reads.length === 0) return { wake: [], legacy: [] };
    return this.deliver(
      `select e.workflow_id, e.engine, e.sequence_id,
              jsonb_build_object('kind', 'read', 'at', m.at) as event, '["read"]'::jsonb as keys
       from m join enrolments e on e.row_id = m.row_id and e.status = 'active' and e.engine = 'runner'
       union all
       select e.workflow_id, e.engine, e.sequence_id,
              jsonb_build_object('kind', 'read', 'at', m.at), '["read"]'::jsonb
       from m join enrolments e on e.workflow_id = 'drip-' || m.sequence_id || '-' || m.contact_id
         and e.status = 'active' and e.engine = 'workflow'`,
      [
        JSON.stringify(
          reads.map((r) => ({
            row_id: r.rowId,
            sequence_id: r.sequenceId,
            contact_id: r.contactId,
            at: r.at,
          })),
        ),
      ],
      `m as (select * from jsonb_to_recordset(?::jsonb)
         as m(row_id bigint, sequence_id text, contact_id text, at double precision)),`,
    );
  }

  /**
   * Every event is kept by every active enrolment of the contact (the last 20), so one
   * that starts to wait a moment later still finds it; only the enrolments whose `awaiting`
   * names it become due. The match is made on the row as the update finds it, after any batch
   * of the runner holding it has committed, so an enrolment that begins to listen while the
   * event arrives never misses it.
   */
  private async deliver(hits: string, params: unknown[], before = ''): Promise<Heard> {
    const listens = (awaiting: string, keys: string) =>
      `exists (select 1 from jsonb_array_elements(${keys}) as k(key)
               where ${awaiting} @> jsonb_build_array(k.key))`;
    const rows = await this.em
      .fork()
      .execute<
        { sequence_id: string | null; workflow_id: string | null; event: EnrolmentEvent | null }[]
      >(
        `with ${before} hit as (${hits}),
       per as (
         select workflow_id, engine, sequence_id,
                jsonb_agg(event order by (event ->> 'at')::double precision) as events,
                jsonb_agg(k.key) as keys
         from hit cross join lateral jsonb_array_elements(hit.keys) as k(key)
         group by workflow_id, engine, sequence_id),
       upd as (
         update enrolments e set
           events = (select coalesce(jsonb_agg(x.value order by x.n), '[]'::jsonb)
                     from jsonb_array_elements(e.events || p.events) with ordinality as x(value, n)
                     where x.n > jsonb_array_length(e.events || p.events) - ${MAX_EVENTS}),
           due_at = case when ${listens('e.awaiting', 'p.keys')} then now() else e.due_at end
         from per p
         where e.workflow_id = p.workflow_id and p.engine = 'runner' and e.status = 'active'
         returning e.sequence_id, ${listens('e.awaiting', 'p.keys')} as woken)
       select distinct sequence_id, null::text as workflow_id, null::jsonb as event from upd
       where woken
       union all
       select null, h.workflow_id, h.event from hit h
       join enrolments e on e.workflow_id = h.workflow_id
       where h.engine = 'workflow' and ${listens('e.awaiting', 'h.keys')}`,
        params,
      );
    return {
      wake: rows.flatMap((r) => (r.sequence_id ? [r.sequence_id] : [])),
      legacy: rows.flatMap((r) =>
        r.workflow_id && r.event ? [{ workflowId: r.workflow_id, event: r.event }] : [],
      ),
    };
  }
}
