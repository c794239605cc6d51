import type { EntityManager } from '@mikro-orm/postgresql';
import {
  planStatusChanges,
  type CurrentRow,
  type RecipientStatus,
  type StatusChange,
  type StatusEventInput,
} from '#libs/domain';

/** Recipient rows as the webhook intake sees them. */
export class RecipientRepository {
  constructor(private readonly em: EntityManager) {}

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
}
