import type { EntityManager } from '@mikro-orm/postgresql';
import {
  CLOSED_CAMPAIGN_STATUSES,
  emptyCounts,
  RECIPIENT_STATUSES,
  type CampaignStatus,
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicySchema,
  type ContactFilter,
  type CountsSnapshot,
  type TemplateModel,
  type StatusCounts,
} from '#libs/domain';
import { Campaign } from '../entities/campaign.entity.js';
import {
  contactSelection,
  missingVariable,
  valuesObject,
  variablesArray,
} from './contact-selection.js';
import { applyDeliveryPolicy } from './delivery-policy.sql.js';
import { campaignKey } from './send-queue.repository.js';

/** What a delivery status asks of its campaign: pause, fail, or halt its sender. */
export interface CampaignStopRequest {
  action: 'pause' | 'fail' | 'halt';
  code: number;
  reason: string;
}

export interface NewCampaign {
  id: string;
  workspaceId: string;
  name: string;
  templateName: string;
  templateLanguage: string;
  templateParameters: number | null;
  /** The template model every send is built from, and the values every recipient gets. */
  templateModel?: TemplateModel | null;
  templateDefaults?: Record<string, string> | null;
  senderPhoneNumberId: string;
  audienceId: string | null;
  /** Launched from the workspace's contacts: which ones, and the variables read from them. */
  contacts: StoredContactSelection | null;
  rejectedRecipients: number;
  /** A send-rate cap for this campaign alone, as a limiter key of its own. */
  ratePerSecond: number | null;
  /** Sends from then on; the campaign is `scheduled` until its workflow begins. */
  sendAt?: Date | null;
  /** The recurring campaign whose run this is. */
  scheduleId?: string | null;
  /** A run of a recurring campaign that could not start is stored as failed, with the reason. */
  failed?: { reason: string } | null;
}

/** What a campaign launched from contacts freezes: the selection and how to fill variables. */
export interface StoredContactSelection {
  filter: ContactFilter;
  /**
   * Template variable names, read from each contact's attributes; a contact lacking one is
   * skipped. With `valueKeys`, these are the required keys only.
   */
  variables: string[];
  /** Parameter keys read as values by key (templates in Meta's form); absent: a legacy list. */
  valueKeys?: string[];
  /** Marketing templates go only to contacts with a recorded opt-in. */
  requireConsent: boolean;
}

/**
 * Links each row to the workspace's contact of that number and freezes a suppressed number as
 * `skipped` with the opt-out's reason. Over `a` (phone, country, variables) and workspace `?`.
 */
const FROZEN_ROW = `ct.id as contact_id,
  case when s.phone is not null then 'skipped' else 'pending' end as status,
  case when s.phone is not null then 'opted out (' || s.reason || ')' end as error_message`;
const FROZEN_JOINS = `left join contacts ct on ct.workspace_id = ? and ct.phone = a.phone
  left join suppressions s on s.workspace_id = ? and s.phone = a.phone`;

export interface CampaignFilter {
  status?: CampaignStatus;
  name?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

/** Makes a text match itself literally inside LIKE (escape character: backslash). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface AudienceRow {
  phone: string;
  country: string;
  /** A legacy list, values by key, or Meta's send-time components array. */
  variables: string[] | Record<string, string> | unknown[] | null;
}

const toCounts = (raw: Record<string, number> | null | undefined): StatusCounts => {
  const counts = emptyCounts();
  for (const s of RECIPIENT_STATUSES) counts[s] = Number(raw?.[s] ?? 0);
  return counts;
};

/** Campaign rows and their aggregate views. API reads are scoped to a workspace; the worker reads by id. */
export class CampaignRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Creates the campaign and, for an inline audience, freezes it in the same transaction (one
   * statement; the caller has removed duplicates). Audiences uploaded beforehand are frozen by
   * the campaign's workflow (`freezeAudience`).
   */
  async create(campaign: NewCampaign, inline: AudienceRow[] | null): Promise<void> {
    const { ratePerSecond, workspaceId, contacts, failed, sendAt, scheduleId, ...row } = campaign;
    await this.em.fork().transactional(async (em) => {
      em.create(Campaign, {
        ...row,
        contactListId: contacts?.filter.listId ?? null,
        contactFilter: contacts ? { ...contacts } : null,
        workspace: workspaceId,
        sendAt: sendAt ?? null,
        scheduleId: scheduleId ?? null,
        status: failed ? 'failed' : sendAt ? 'scheduled' : 'launching',
        statusReason: failed?.reason ?? null,
        completedAt: failed ? new Date() : null,
        frozenAt: inline ? new Date() : null,
        totalRecipients: inline?.length ?? 0,
        countries: inline ? [...new Set(inline.map((r) => r.country))].sort() : [],
      });
      await em.flush();
      if (ratePerSecond !== null && !failed) {
        await em.execute(`insert into rate_limits (key, rate_per_second) values (?, ?)`, [
          campaignKey(campaign.id),
          ratePerSecond,
        ]);
      }
      if (!inline?.length) return;
      await em.execute(
        `insert into recipients (campaign_id, phone, country, variables, contact_id, status, error_message)
         select ?, a.phone, a.country, a.variables, ${FROZEN_ROW}
         from jsonb_to_recordset(?::jsonb) as a(phone text, country text, variables jsonb)
         ${FROZEN_JOINS}`,
        [campaign.id, JSON.stringify(inline), workspaceId, workspaceId],
      );
    });
  }

  /**
   * Copies an uploaded audience into the campaign's recipient rows, set-wise and once: a second
   * call (a retried activity) finds the campaign frozen and does nothing.
   */
  async freezeAudience(id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const [campaign] = await em.execute<
        {
          workspace_id: string;
          audience_id: string | null;
          contact_filter: StoredContactSelection | null;
          frozen_at: Date | null;
          template_parameters: number | null;
          by_key: boolean;
        }[]
      >(
        `select workspace_id, audience_id, contact_filter, frozen_at, template_parameters,
                template_model is not null and template_parameters is null as by_key
         from campaigns where id = ? for update`,
        [id],
      );
      if (!campaign || campaign.frozen_at) return;
      const ws = campaign.workspace_id;
      if (campaign.audience_id) {
        // A member whose variables do not fit the template is skipped, with the reason, not sent.
        const n = campaign.template_parameters;
        await em.execute(
          `insert into recipients (campaign_id, phone, country, variables, contact_id, status, error_message)
           select ?, phone, country, variables, contact_id,
             case when ?::int is not null and coalesce(jsonb_array_length(variables), 0) <> ?::int
               then 'skipped' else status end,
             case when ?::int is not null and coalesce(jsonb_array_length(variables), 0) <> ?::int
               then 'the template takes ' || ? || ' parameters' else error_message end
           from (select a.phone, a.country,
                   case when ?::boolean then a.values else a.variables end as variables,
                   ${FROZEN_ROW}
                 from audience_members a ${FROZEN_JOINS} where a.audience_id = ?) f`,
          [id, n, n, n, n, n, campaign.by_key, ws, ws, campaign.audience_id],
        );
      } else if (campaign.contact_filter) {
        const { filter, variables, valueKeys, requireConsent } = campaign.contact_filter;
        const selection = contactSelection(ws, filter);
        const values = valueKeys ? valuesObject(valueKeys) : variablesArray(variables);
        const missing = missingVariable(variables);
        await em.execute(
          `insert into recipients (campaign_id, phone, country, variables, contact_id, status, error_message)
           select ?, c.phone, c.country, ${values.sql}, c.id,
             case when s.phone is not null or ${missing.sql}
                    or (?::boolean and c.consent_at is null) then 'skipped' else 'pending' end,
             case when s.phone is not null then 'opted out (' || s.reason || ')'
                  when ${missing.sql} then 'a template variable has no value in the contact'
                  when ?::boolean and c.consent_at is null then 'no opt-in recorded for marketing' end
           from contacts c
           left join suppressions s on s.workspace_id = c.workspace_id and s.phone = c.phone
           where ${selection.where}`,
          [
            id,
            ...values.params,
            ...missing.params,
            requireConsent,
            ...missing.params,
            requireConsent,
            ...selection.params,
          ],
        );
      } else {
        return;
      }
      await em.execute(
        `update campaigns set frozen_at = now(), updated_at = now(),
           total_recipients = (select count(*) from recipients where campaign_id = ?),
           countries = coalesce((select array_agg(distinct country order by country)
                                 from recipients where campaign_id = ?), '{}')
         where id = ?`,
        [id, id, id],
      );
    });
  }

  /**
   * Applies the workspace's delivery policy to the frozen rows, once: a row whose recipient's
   * local time (the contact's zone, else the country's, else the workspace default) is outside
   * the send window waits until it opens (`next_attempt_at`); for marketing templates, a contact
   * who got `max` messages within the cap's window is skipped with the reason, or deferred
   * until the oldest of them leaves the window.
   */
  async applyDeliveryPolicy(id: string): Promise<{ deferred: number; capped: number }> {
    return this.em.fork().transactional(async (em) => {
      const [campaign] = await em.execute<
        { workspace_id: string; policy: unknown; marketing: boolean; applied: boolean }[]
      >(
        `select k.workspace_id, w.delivery_policy as policy, k.policy_applied_at is not null as applied,
           coalesce((select t.category = 'MARKETING' from templates t
                     where t.workspace_id = k.workspace_id and t.name = k.template_name
                       and t.language = k.template_language), true) as marketing
         from campaigns k join workspaces w on w.id = k.workspace_id where k.id = ? for update of k`,
        [id],
      );
      if (!campaign || campaign.applied) return { deferred: 0, capped: 0 };
      const parsed = deliveryPolicySchema.safeParse(campaign.policy ?? {});
      const policy = parsed.success ? parsed.data : DEFAULT_DELIVERY_POLICY;
      const outcome = await applyDeliveryPolicy(em, id, campaign.workspace_id, policy, {
        ids: null,
        campaignMarketing: campaign.marketing,
      });
      await em.execute(`update campaigns set policy_applied_at = now() where id = ?`, [id]);
      return { deferred: outcome.windowed.length, capped: outcome.capped.length };
    });
  }

  /**
   * A page of the workspace's campaigns, newest first, after the keyset cursor (created_at, id)
   * of the previous page's last row. `name` matches a substring, case-insensitively.
   */
  async page(
    workspaceId: string,
    filter: CampaignFilter,
    after: { createdAt: string; id: string } | null,
    limit: number,
  ) {
    const rows = await this.em.fork().execute<
      {
        id: string;
        name: string;
        status: CampaignStatus;
        sender_phone_number_id: string;
        template_name: string;
        template_language: string;
        total_recipients: number;
        created_at: Date;
        completed_at: Date | null;
        counts: Record<string, number> | null;
      }[]
    >(
      `select c.id, c.name, c.status, c.sender_phone_number_id, c.template_name,
              c.template_language, c.total_recipients, c.created_at, c.completed_at, n.counts
       from campaigns c left join campaign_counts n on n.campaign_id = c.id
       where c.workspace_id = ? and c.kind = 'campaign'
         and (?::text is null or c.status = ?::text)
         and (?::text is null or c.name ilike '%' || ?::text || '%' escape '\\')
         and (?::timestamptz is null or c.created_at >= ?::timestamptz)
         and (?::timestamptz is null or c.created_at < ?::timestamptz)
         and (?::timestamptz is null or (c.created_at, c.id) < (?::timestamptz, ?::uuid))
       order by c.created_at desc, c.id desc
       limit ?`,
      [
        workspaceId,
        filter.status ?? null,
        filter.status ?? null,
        filter.name === undefined ? null : escapeLike(filter.name),
        filter.name === undefined ? null : escapeLike(filter.name),
        filter.createdFrom ?? null,
        filter.createdFrom ?? null,
        filter.createdTo ?? null,
        filter.createdTo ?? null,
        after?.createdAt ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      sender: r.sender_phone_number_id,
      template: { name: r.template_name, language: r.template_language },
      totalRecipients: r.total_recipients,
      counts: toCounts(r.counts),
      createdAt: new Date(r.created_at),
      completedAt: r.completed_at && new Date(r.completed_at),
    }));
  }

  /** The newest campaigns a recurring campaign has run, with their counts. */
  async runsOf(workspaceId: string, scheduleId: string, limit: number) {
    const rows = await this.em.fork().execute<
      {
        id: string;
        name: string;
        status: CampaignStatus;
        status_reason: string | null;
        total_recipients: number;
        created_at: Date;
        completed_at: Date | null;
        counts: Record<string, number> | null;
      }[]
    >(
      `select c.id, c.name, c.status, c.status_reason, c.total_recipients, c.created_at,
              c.completed_at, n.counts
       from campaigns c left join campaign_counts n on n.campaign_id = c.id
       where c.workspace_id = ? and c.schedule_id = ?
       order by c.created_at desc, c.id desc
       limit ?`,
      [workspaceId, scheduleId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      statusReason: r.status_reason,
      totalRecipients: r.total_recipients,
      counts: toCounts(r.counts),
      createdAt: new Date(r.created_at),
      completedAt: r.completed_at && new Date(r.completed_at),
    }));
  }

  findInWorkspace(workspaceId: string, id: string): Promise<Campaign | null> {
    return this.em.fork().findOne(Campaign, { id, workspace: workspaceId });
  }

  /**
   * The workspace's campaigns and sequence ledgers not closed yet that send this template (a
   * ledger's messages each name theirs): what a template's status change reaches.
   */
  async openUsingTemplate(
    workspaceId: string,
    template: { name: string; language: string },
  ): Promise<
    {
      id: string;
      kind: 'campaign' | 'sequence';
      status: CampaignStatus;
      statusActor: string | null;
    }[]
  > {
    return this.em.fork().execute(
      `select id, kind, status, status_actor as "statusActor" from campaigns c
       where workspace_id = ? and status not in (select jsonb_array_elements_text(?::jsonb))
         and ((kind = 'campaign' and template_name = ? and template_language = ?)
           or (kind = 'sequence' and exists (select 1 from recipients r where r.campaign_id = c.id
                and r.status = 'pending' and r.template_name = ? and r.template_language = ?)))
       order by created_at`,
      [
        workspaceId,
        JSON.stringify(CLOSED_CAMPAIGN_STATUSES),
        template.name,
        template.language,
        template.name,
        template.language,
      ],
    );
  }

  /** Unscoped lookup for the worker, which acts on behalf of the campaign's own workspace. */
  findById(id: string): Promise<Campaign | null> {
    return this.em.fork().findOne(Campaign, { id });
  }

  /**
   * Moves the campaign to a status; a closed campaign never changes again. `reason` and `actor`
   * say why and who (null clears them).
   */
  async setStatus(
    id: string,
    status: CampaignStatus,
    details: { reason?: string | null; actor?: string | null } = {},
  ): Promise<boolean> {
    const closing = CLOSED_CAMPAIGN_STATUSES.includes(status);
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update campaigns set status = ?, status_reason = ?, status_actor = ?, updated_at = now(),
         completed_at = case when ? then coalesce(completed_at, now()) else completed_at end,
         stop_request = case when ? then null else stop_request end
       where id = ? and status not in (select jsonb_array_elements_text(?::jsonb))`,
      [
        status,
        details.reason ?? null,
        details.actor ?? null,
        closing,
        // A stop asked for by a delivery status is done once the campaign paused or closed.
        closing || status === 'paused',
        id,
        JSON.stringify(CLOSED_CAMPAIGN_STATUSES),
      ],
      'run',
    );
    return res.affectedRows === 1;
  }

  /**
   * Records the stops delivery statuses asked of open campaigns, in the caller's transaction
   * (the one that wrote those statuses). A failure outranks a pause already waiting.
   */
  async requestStops(em: EntityManager, stops: Map<string, CampaignStopRequest>): Promise<void> {
    if (stops.size === 0) return;
    await em.execute(
      `update campaigns c set stop_request = s.stop
       from jsonb_each(?::jsonb) as s(id, stop)
       where c.id = s.id::uuid and c.kind = 'campaign'
         and c.status not in (select jsonb_array_elements_text(?::jsonb))
         and (c.stop_request is null
              or (s.stop ->> 'action' = 'fail' and c.stop_request ->> 'action' <> 'fail'))`,
      [JSON.stringify(Object.fromEntries(stops)), JSON.stringify(CLOSED_CAMPAIGN_STATUSES)],
    );
  }

  /**
   * The campaigns and sequences of a workspace that a sender halt paused (the engine's pause,
   * whose reason names the halt), and not those an operator paused since: of one sender, of
   * halts whose reason starts with `reason`, or both.
   */
  async pausedByHalt(
    workspaceId: string,
    by: { sender?: string; reason?: string },
  ): Promise<{ campaigns: string[]; sequences: { id: string; name: string }[] }> {
    const prefix = `sender halted: ${by.reason ?? ''}`;
    const sender = by.sender ?? null;
    const rows = await this.em.fork().execute<{ id: string; kind: string; name: string }[]>(
      `select c.id, c.kind, c.name from campaigns c
       where c.workspace_id = ? and c.kind = 'campaign' and (?::text is null or c.sender_phone_number_id = ?)
         and c.status = 'paused' and c.status_actor = 'engine' and starts_with(c.status_reason, ?)
       union all
       select s.id, 'sequence', s.name from sequences s join campaigns c on c.id = s.id
       where s.workspace_id = ? and (?::text is null or c.sender_phone_number_id = ?)
         and s.paused_at is not null and s.pause_actor = 'engine' and starts_with(s.pause_reason, ?)`,
      [workspaceId, sender, sender, prefix, workspaceId, sender, sender, prefix],
    );
    return {
      campaigns: rows.filter((r) => r.kind === 'campaign').map((r) => r.id),
      sequences: rows.filter((r) => r.kind === 'sequence').map(({ id, name }) => ({ id, name })),
    };
  }

  /** How many campaigns there are in each status. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.em
      .fork()
      .execute<{ status: string; n: string }[]>(
        'select status, count(*) as n from campaigns group by status',
      );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Recipients of campaigns not yet closed, by state, from the trigger-kept counts. */
  async openRecipientsByState(): Promise<Record<string, number>> {
    const rows = await this.em.fork().execute<{ state: string; n: string }[]>(
      `select kv.key as state, sum(kv.value::bigint) as n
       from campaign_counts cc
       join campaigns c on c.id = cc.campaign_id
       cross join lateral jsonb_each_text(cc.counts) kv
       where c.status not in ('completed', 'cancelled', 'failed')
       group by kv.key`,
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** A closed campaign (completed or failed) runs again, for "retry failed". */
  async reopen(id: string): Promise<void> {
    await this.em.fork().execute(
      `update campaigns set status = 'running', status_reason = 'retry failed', completed_at = null,
         updated_at = now()
       where id = ? and status in ('completed', 'failed')`,
      [id],
    );
  }

  async snapshot(id: string): Promise<CountsSnapshot> {
    const [row] = await this.em.fork().execute<
      {
        version: string | null;
        counts: Record<string, number> | null;
        by_country: Record<string, Record<string, number>>;
      }[]
    >(
      `select c.version, c.counts,
         coalesce((select jsonb_object_agg(country, counts) from campaign_country_counts
                   where campaign_id = ?), '{}') as by_country
       from (select ?::uuid as id) x left join campaign_counts c on c.campaign_id = x.id`,
      [id, id],
    );
    const byCountry: CountsSnapshot['byCountry'] = {};
    for (const [country, counts] of Object.entries(row?.by_country ?? {})) {
      byCountry[country] = Object.fromEntries(
        Object.entries(counts).filter(([, n]) => Number(n) !== 0),
      );
    }
    return { version: Number(row?.version ?? 0), counts: toCounts(row?.counts), byCountry };
  }

  async countsByStatus(id: string): Promise<StatusCounts> {
    return (await this.snapshot(id)).counts;
  }

  /** Rows never sent end as `cancelled` when the campaign is cancelled or fails. */
  async cancelUnsent(id: string, reason: string): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set status = 'cancelled', error_message = ?, updated_at = now()
       where campaign_id = ? and status = 'pending'`,
      [reason, id],
      'run',
    );
    return res.affectedRows;
  }

  /**
   * `unknown` rows that got no status within the window fail as `unknown_outcome` (eligible for
   * "retry failed"); `windowMs` 0 settles them all. Returns when the next one is due.
   */
  async expireUnknown(id: string, windowMs: number): Promise<{ nextExpiryAt: number | null }> {
    const [row] = await this.em.fork().execute<{ next: number | null }[]>(
      `with expired as (
         update recipients set status = 'failed', error_class = 'unknown_outcome', error_code = null,
           error_message = 'no status arrived for a send whose answer was lost',
           failed_at = now(), updated_at = now()
         where campaign_id = ? and status = 'unknown'
           and coalesce(unknown_since, updated_at) <= now() - ? * interval '1 millisecond'
         returning id)
       select extract(epoch from min(coalesce(unknown_since, updated_at)) + ? * interval '1 millisecond') * 1000 as next
       from recipients where campaign_id = ? and status = 'unknown'
         and id not in (select id from expired)`,
      [id, windowMs, windowMs, id],
    );
    return {
      nextExpiryAt: row?.next === null || row?.next === undefined ? null : Number(row.next),
    };
  }

  /**
   * "Retry failed": rows that failed for a reason a new attempt can cure (transient errors that
   * used up their attempts, sends whose outcome stayed unknown) become pending again with fresh
   * attempts. Permanent failures stay failed.
   */
  async requeueFailed(id: string): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set status = 'pending', attempts = 0, next_attempt_at = now(),
         error_class = null, failed_at = null, unknown_since = null, updated_at = now()
       where campaign_id = ? and status = 'failed' and error_class in ('transient', 'unknown_outcome')`,
      [id],
      'run',
    );
    return res.affectedRows;
  }
}
