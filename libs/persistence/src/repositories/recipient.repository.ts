import type { EntityManager } from '@mikro-orm/postgresql';
import {
  bestEventPerRecipient,
  STATUS_RANK,
  type AppliedStatus,
  type FailureClass,
  type RecipientStatus,
  type StatusEventInput,
} from '#libs/domain';
import { LOCK_IN_ID_ORDER, retryOnDeadlock } from './retry-on-deadlock.js';

export interface RecipientFilter {
  status?: RecipientStatus;
  errorCode?: number;
  errorClass?: FailureClass;
}

/** Recipient rows as the webhook intake and the API's listings see them. */
export class RecipientRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Applies a batch of webhook statuses idempotently and monotonically in one statement: each
   * row moves at most once, to the highest status of the batch, and only to a higher rank than
   * it has (the row's current status is read under its lock). Returns the rows that moved.
   */
  /**
   * Applies delivery statuses to the recipients of one workspace's campaigns: an event naming
   * another workspace's recipient changes nothing.
   */
  async applyStatusEvents(
    workspaceId: string,
    events: StatusEventInput[],
    alongside?: (em: EntityManager, applied: AppliedStatus[]) => Promise<void>,
  ): Promise<AppliedStatus[]> {
    const withIds = await this.resolveIds(events);
    const best = bestEventPerRecipient(withIds);
    if (best.length === 0) return [];
    return retryOnDeadlock(() =>
      this.em.fork().transactional(async (em) => {
        const applied = toApplied(await this.writeStatuses(em, workspaceId, best));
        // What the statuses ask for (a campaign's stop, a sender's halt) commits with them.
        await alongside?.(em, applied);
        return applied;
      }),
    );
  }

  private writeStatuses(
    em: EntityManager,
    workspaceId: string,
    best: ReturnType<typeof bestEventPerRecipient>,
  ) {
    return em.execute<AppliedRow[]>(
      `with b as materialized (
           select * from jsonb_to_recordset(?::jsonb) as b(id bigint, status text, at timestamptz,
             wamid text, error_code int, error_message text, error_class text)),
         ${LOCK_IN_ID_ORDER('b')}
         update recipients r set
           status = b.status,
           wamid = coalesce(r.wamid, b.wamid),
           sent_at = coalesce(r.sent_at, b.at),
           delivered_at = case when b.status in ('delivered', 'read') then coalesce(r.delivered_at, b.at) else r.delivered_at end,
           read_at = case when b.status = 'read' then coalesce(r.read_at, b.at) else r.read_at end,
           failed_at = case when b.status = 'failed' then b.at else r.failed_at end,
           error_code = case when b.status = 'failed' then b.error_code else r.error_code end,
           error_message = case when b.status = 'failed' then b.error_message else r.error_message end,
           error_class = case when b.status = 'failed' then b.error_class else r.error_class end,
           updated_at = now()
         from b
         where r.id = any(array(select id from locked)) and b.id = r.id
           and (select c.workspace_id from campaigns c where c.id = r.campaign_id) = ?
           and (?::jsonb ->> b.status)::int > (?::jsonb ->> r.status)::int
         returning r.id, r.campaign_id, (select c.kind from campaigns c where c.id = r.campaign_id) as kind,
           r.phone, r.contact_id, r.status, r.wamid, r.error_code, r.error_message`,
      [
        JSON.stringify(
          best.map((e) => ({
            id: e.recipientId,
            status: e.status,
            at: e.at.toISOString(),
            wamid: e.wamid,
            error_code: e.errorCode ?? null,
            error_message: e.errorMessage ?? null,
            error_class: e.status === 'failed' ? (e.errorClass ?? 'permanent') : null,
          })),
        ),
        workspaceId,
        JSON.stringify(STATUS_RANK),
        JSON.stringify(STATUS_RANK),
      ],
    );
  }

  /** A page of a campaign's recipients in id order, after the previous page's last id. */
  async page(campaignId: string, filter: RecipientFilter, afterId: number, limit: number) {
    const rows = await this.em.fork().execute<
      {
        id: string;
        phone: string;
        country: string;
        status: RecipientStatus;
        attempts: number;
        wamid: string | null;
        error_code: number | null;
        error_class: FailureClass | null;
        error_message: string | null;
        sent_at: Date | null;
        delivered_at: Date | null;
        read_at: Date | null;
        failed_at: Date | null;
      }[]
    >(
      `select id, phone, country, status, attempts, wamid, error_code, error_class, error_message,
              sent_at, delivered_at, read_at, failed_at
       from recipients
       where campaign_id = ? and id > ?
         and (?::text is null or status = ?::text)
         and (?::int is null or error_code = ?::int)
         and (?::text is null or error_class = ?::text)
       order by id limit ?`,
      [
        campaignId,
        afterId,
        filter.status ?? null,
        filter.status ?? null,
        filter.errorCode ?? null,
        filter.errorCode ?? null,
        filter.errorClass ?? null,
        filter.errorClass ?? null,
        limit,
      ],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      phone: r.phone,
      country: r.country,
      status: r.status,
      attempts: r.attempts,
      wamid: r.wamid,
      error:
        r.error_code === null && r.error_class === null && r.error_message === null
          ? null
          : { code: r.error_code, class: r.error_class, message: r.error_message },
      sentAt: r.sent_at,
      deliveredAt: r.delivered_at,
      readAt: r.read_at,
      failedAt: r.failed_at,
    }));
  }

  /** Events without callback data (messages sent outside the engine) are matched by wamid. */
  private async resolveIds(
    events: StatusEventInput[],
  ): Promise<(StatusEventInput & { recipientId: number })[]> {
    const unresolved = events.filter((e) => e.recipientId === null);
    const byWamid = new Map<string, number>();
    if (unresolved.length) {
      const rows = await this.em
        .fork()
        .execute<{ id: string; wamid: string }[]>(
          `select id, wamid from recipients where wamid in (select jsonb_array_elements_text(?::jsonb))`,
          [JSON.stringify(unresolved.map((e) => e.wamid))],
        );
      for (const r of rows) byWamid.set(r.wamid, Number(r.id));
    }
    return events.flatMap((e) => {
      const id = e.recipientId ?? byWamid.get(e.wamid);
      return id === undefined ? [] : [{ ...e, recipientId: id }];
    });
  }
}

interface AppliedRow {
  id: string;
  campaign_id: string;
  kind: 'campaign' | 'sequence';
  phone: string;
  contact_id: string | null;
  status: AppliedStatus['status'];
  wamid: string;
  error_code: number | null;
  error_message: string | null;
}

const toApplied = (rows: AppliedRow[]): AppliedStatus[] =>
  rows.map((r) => ({
    id: Number(r.id),
    campaignId: r.campaign_id,
    kind: r.kind,
    phone: r.phone,
    contactId: r.contact_id,
    status: r.status,
    wamid: r.wamid,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  }));
