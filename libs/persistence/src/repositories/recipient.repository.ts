import type { EntityManager } from '@mikro-orm/postgresql';
import {
  planStatusChanges,
  type CurrentRow,
  type RecipientStatus,
  type StatusChange,
  type StatusEventInput,
} from '#libs/domain';

export interface SendableRecipient {
  id: number;
  phone: string;
  variables: string[] | null;
  /** Provider attempts made so far. */
  attempts: number;
}

/**
 * Recipient state changes. Each change is its own committed statement, so the row says what
 * happened before and after every provider call, and a crash leaves an honest trail.
 */
export class RecipientRepository {
  constructor(private readonly em: EntityManager) {}

  /** Pending rows that are due, oldest first. */
  async nextPending(campaignId: string, limit: number): Promise<SendableRecipient[]> {
    const rows = await this.em
      .fork()
      .execute<{ id: string; phone: string; variables: string[] | null; attempts: number }[]>(
        `select id, phone, variables, attempts from recipients
       where campaign_id = ? and status = 'pending'
         and (next_attempt_at is null or next_attempt_at <= now())
       order by id limit ?`,
        [campaignId, limit],
      );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** How many rows are still pending, and when the first of them that waits for a retry is due. */
  async pendingSummary(
    campaignId: string,
  ): Promise<{ pending: number; nextAttemptAt: Date | null }> {
    const [row] = await this.em.fork().execute<{ pending: string; due: Date | null }[]>(
      `select count(*) as pending,
         case when bool_or(next_attempt_at is null or next_attempt_at <= now()) then null
              else min(next_attempt_at) end as due
       from recipients where campaign_id = ? and status = 'pending'`,
      [campaignId],
    );
    return {
      pending: Number(row?.pending ?? 0),
      nextAttemptAt: row?.due ? new Date(row.due) : null,
    };
  }

  /** Claims a row for sending; false when another attempt already moved it on. */
  async markSending(id: number): Promise<boolean> {
    return this.run(
      `update recipients set status = 'sending', attempts = attempts + 1, updated_at = now()
       where id = ? and status = 'pending'`,
      [id],
    );
  }

  /**
   * Accepted by the provider. Returns false when a webhook already moved the row on; the
   * message id and send time are recorded either way.
   */
  async markSent(id: number, wamid: string): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const moved = await em.execute<{ affectedRows: number }>(
        `update recipients set status = 'sent' where id = ? and status in ('sending', 'unknown')`,
        [id],
        'run',
      );
      await em.execute(
        `update recipients set wamid = ?, sent_at = coalesce(sent_at, now()), updated_at = now()
         where id = ?`,
        [wamid, id],
      );
      return moved.affectedRows === 1;
    });
  }

  async markFailed(id: number, code: number | null, message: string): Promise<boolean> {
    return this.run(
      `update recipients set status = 'failed', error_code = ?, error_message = ?,
         failed_at = now(), updated_at = now()
       where id = ? and status in ('pending', 'sending', 'unknown')`,
      [code, message, id],
    );
  }

  /** The request may have gone out; only a webhook can tell, so it is not repeated. */
  async markUnknown(id: number, message: string): Promise<boolean> {
    return this.run(
      `update recipients set status = 'unknown', error_message = ?, updated_at = now()
       where id = ? and status = 'sending'`,
      [message, id],
    );
  }

  /** Nothing was accepted (transient error or connection refused): try again after a delay. */
  async scheduleRetry(id: number, delayMs: number): Promise<boolean> {
    return this.run(
      `update recipients set status = 'pending', updated_at = now(),
         next_attempt_at = now() + (? * interval '1 millisecond')
       where id = ? and status = 'sending'`,
      [delayMs, id],
    );
  }

  /** Gives a claimed row back untouched, e.g. when the campaign stops on a fatal error. */
  async releaseToPending(id: number): Promise<boolean> {
    return this.run(
      `update recipients set status = 'pending', attempts = greatest(attempts - 1, 0),
         updated_at = now()
       where id = ? and status = 'sending'`,
      [id],
    );
  }

  /**
   * Rows left in 'sending' by a crashed attempt may or may not have been sent; they become
   * 'unknown' so a retry never sends them twice.
   */
  async settleInterruptedSends(campaignId: string): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set status = 'unknown', updated_at = now(),
         error_message = 'send interrupted; awaiting provider status'
       where campaign_id = ? and status = 'sending'`,
      [campaignId],
      'run',
    );
    return res.affectedRows;
  }

  async cancelUnsent(campaignId: string): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set status = 'cancelled', updated_at = now()
       where campaign_id = ? and status = 'pending'`,
      [campaignId],
      'run',
    );
    return res.affectedRows;
  }

  /**
   * Applies a batch of webhook statuses idempotently and monotonically. Rows are locked in id
   * order, so concurrent deliveries serialise per row and every transition is reported once.
   */
  async applyStatusEvents(events: StatusEventInput[]): Promise<StatusChange[]> {
    if (events.length === 0) return [];
    const ids = events.flatMap((e) => (e.recipientId !== null ? [e.recipientId] : []));
    const wamids = events.map((e) => e.wamid);
    return this.em.fork().transactional(async (em) => {
      const locked = await em.execute<
        { id: string; campaign_id: string; status: RecipientStatus; wamid: string | null }[]
      >(
        `select id, campaign_id, status, wamid from recipients
         where id in (select jsonb_array_elements_text(?::jsonb)::bigint)
            or wamid in (select jsonb_array_elements_text(?::jsonb))
         order by id for update`,
        // JSON, because the driver expands plain arrays into placeholder lists.
        [JSON.stringify(ids), JSON.stringify(wamids)],
      );
      const rows: CurrentRow[] = locked.map((r) => ({
        id: Number(r.id),
        campaignId: r.campaign_id,
        status: r.status,
        wamid: r.wamid,
      }));
      const changes = planStatusChanges(rows, events);
      if (changes.length === 0) return changes;
      await em.execute(
        `update recipients r set
           status = c.status,
           wamid = coalesce(r.wamid, c.wamid),
           sent_at = coalesce(r.sent_at, c.at),
           delivered_at = case when c.status in ('delivered', 'read') then coalesce(r.delivered_at, c.at) else r.delivered_at end,
           read_at = case when c.status = 'read' then coalesce(r.read_at, c.at) else r.read_at end,
           failed_at = case when c.status = 'failed' then c.at else r.failed_at end,
           error_code = case when c.status = 'failed' then c.error_code else r.error_code end,
           error_message = case when c.status = 'failed' then c.error_message else r.error_message end,
           updated_at = now()
         from jsonb_to_recordset(?::jsonb)
           as c(id bigint, status text, at timestamptz, wamid text, error_code int, error_message text)
         where r.id = c.id`,
        [
          JSON.stringify(
            changes.map((c) => ({
              id: c.id,
              status: c.to,
              at: c.at.toISOString(),
              wamid: c.wamid,
              error_code: c.errorCode ?? null,
              error_message: c.errorMessage ?? null,
            })),
          ),
        ],
      );
      return changes;
    });
  }

  private async run(sql: string, params: unknown[]): Promise<boolean> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(sql, params, 'run');
    return res.affectedRows === 1;
  }
}
