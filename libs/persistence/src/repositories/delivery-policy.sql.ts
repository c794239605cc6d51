import type { EntityManager } from '@mikro-orm/postgresql';
import { COUNTRY_TIME_ZONES, type DeliveryPolicy } from '#libs/domain';

export interface PolicyOutcome {
  /** Rows that wait for the send window to open. */
  windowed: number[];
  /** Rows over the frequency cap: skipped, or deferred until the oldest message leaves the window. */
  capped: number[];
}

/**
 * Applies a workspace's delivery policy to pending rows of one campaign or sequence ledger (all
 * of them, or those named): a row whose recipient's local time (the contact's zone, else the
 * country's, else the workspace default) is outside the send window waits until it opens
 * (`next_attempt_at`, never earlier than it already waits); a marketing template to a contact
 * who got `max` messages within the cap's window is skipped with the reason, or deferred until
 * the oldest of them leaves the window. A row's template is its own (a sequence's message) or
 * its campaign's; free-form text is never marketing. The one implementation for campaigns,
 * frozen once, and for each drip message as it is enqueued.
 */
export async function applyDeliveryPolicy(
  em: EntityManager,
  campaignId: string,
  workspaceId: string,
  policy: DeliveryPolicy,
  rows: { ids: number[] | null; campaignMarketing: boolean },
): Promise<PolicyOutcome> {
  const rowIds = rows.ids;
  const ids = rowIds === null ? null : JSON.stringify(rowIds);
  const scope = `r.campaign_id = ? and r.status = 'pending'
    and (?::jsonb is null or r.id = any(array(select jsonb_array_elements_text(?::jsonb))::bigint[]))`;
  const outcome: PolicyOutcome = { windowed: [], capped: [] };
  if (policy.sendWindow) {
    const { start, end } = policy.sendWindow;
    const windowed = await em.execute<{ id: string }[]>(
      `with z as (
         select r.id, coalesce(c.time_zone, ?::jsonb ->> r.country, ?) as tz
         from recipients r left join contacts c on c.id = r.contact_id
         where ${scope}),
       l as (select id, tz, now() at time zone tz as local from z)
       update recipients r set next_attempt_at = greatest(coalesce(r.next_attempt_at, now()),
         case when l.local::time < ?::time then (l.local::date + ?::time) at time zone l.tz
              else (l.local::date + 1 + ?::time) at time zone l.tz end)
       from l
       where r.id = l.id and not (case when ?::time < ?::time
         then l.local::time >= ?::time and l.local::time < ?::time
         else l.local::time >= ?::time or l.local::time < ?::time end)
       returning r.id`,
      [
        JSON.stringify(COUNTRY_TIME_ZONES),
        policy.defaultTimeZone,
        campaignId,
        ids,
        ids,
        start,
        start,
        start,
        start,
        end,
        start,
        end,
        start,
        end,
      ],
    );
    outcome.windowed = windowed.map((r) => Number(r.id));
  }
  // A campaign's rows all carry its template: nothing to cap unless it is marketing.
  if (policy.frequencyCap && (rowIds !== null || rows.campaignMarketing)) {
    const { max, windowHours, policy: onCap } = policy.frequencyCap;
    const reason = `frequency cap: ${max} message(s) per ${windowHours} h reached`;
    const capped = await em.execute<{ id: string }[]>(
      `with f as (
         select r.id, min(x.sent_at) + ? * interval '1 hour' as free_at
         from recipients r
         join campaigns k on k.id = r.campaign_id
         join recipients x on x.contact_id = r.contact_id and x.id <> r.id
           and x.sent_at > now() - ? * interval '1 hour'
         join campaigns xk on xk.id = x.campaign_id and xk.workspace_id = ?
         where ${scope} and r.contact_id is not null and r.content is null
           and case when r.template_name is null then ?::boolean
             else coalesce((select t.category = 'MARKETING' from templates t
                            where t.workspace_id = k.workspace_id and t.name = r.template_name
                              and t.language = r.template_language), true) end
         group by r.id having count(*) >= ?)
       update recipients r set
         status = case when ? = 'skip' then 'skipped' else r.status end,
         error_message = ?,
         next_attempt_at = case when ? = 'skip' then r.next_attempt_at
           else greatest(coalesce(r.next_attempt_at, now()), f.free_at) end,
         updated_at = now()
       from f where r.id = f.id
       returning r.id`,
      [
        windowHours,
        windowHours,
        workspaceId,
        campaignId,
        ids,
        ids,
        rows.campaignMarketing,
        max,
        onCap,
        reason,
        onCap,
      ],
    );
    outcome.capped = capped.map((r) => Number(r.id));
  }
  return outcome;
}
