import type { EntityManager } from '@mikro-orm/postgresql';
import {
  groupCapacity,
  planSlots,
  slotIntervalMs,
  type FailureClass,
  type LimitKey,
  type SlotGroup,
} from '#libs/domain';
import { effectiveRate, type RateLimitRow } from './rate-limit.repository.js';
import { candidateQuery, type CandidateRow } from './claim-candidates.js';
import { LOCK_IN_ID_ORDER, retryOnDeadlock } from './retry-on-deadlock.js';
import type { CampaignStopRequest } from './campaign.repository.js';

export const senderKey = (phoneNumberId: string) => `sender:${phoneNumberId}`;
/** Country limits are a workspace's policy: each workspace has its own. */
export const countryKey = (workspaceId: string, country: string) =>
  `country:${workspaceId}:${country}`;
export const campaignKey = (campaignId: string) => `campaign:${campaignId}`;

/** A recipient reserved for sending, with its send slot. */
export interface ClaimedRecipient {
  id: number;
  phone: string;
  country: string;
  /** The template's values: a positional list (body parameters in order) or named values. */
  variables: string[] | Record<string, string> | null;
  /** A sequence's message names its own template; a campaign's rows use the campaign's. */
  templateName: string | null;
  templateLanguage: string | null;
  /** Free-form text instead of a template (a sequence's message inside the service window). */
  text: string | null;
  /** Attempts including this one. */
  attempts: number;
  /** Epoch ms, database clock. */
  slotAt: number;
  /** How late after its slot the send may still leave; later, it is reserved again. */
  maxLateMs: number;
}

export interface ClaimSettings {
  /** Slots start no earlier than this after the database's now. */
  leadMs: number;
  /** No slot further ahead than this; beyond it the caller waits instead of reserving. */
  maxAheadMs: number;
  /**
   * Sender time one reservation takes at most: each campaign takes a share in turn, so campaigns
   * on one sender alternate instead of one taking everything.
   */
  quantumMs: number;
  /** Slots per reservation at most. */
  maxBatch: number;
  /** How far ahead of now the lease holder may dispatch (see `extendPermit`). */
  permitAheadMs: number;
  /** The jitter allowance of the slot spacing (see slotIntervalMs). */
  jitterMs: number;
}

export type ClaimResult =
  | {
      kind: 'claimed';
      rows: ClaimedRecipient[];
      /** Database clock at the reservation, to map slots onto the caller's clock. */
      dbNow: number;
      permit: number;
    }
  /** Rows are pending but none can have a slot before `until` (database clock). */
  | { kind: 'wait'; until: number; dbNow: number }
  /** Nothing is pending any more. */
  | { kind: 'empty' }
  | { kind: 'halted'; reason: string }
  /** A delivery status asked the campaign to stop (see `campaigns.stop_request`). */
  | { kind: 'stopped'; stop: CampaignStopRequest }
  /** Another attempt took the campaign over, or it no longer exists. */
  | { kind: 'lost' };

/**
 * What one attempt learnt about one row it reserved. `slot` is the slot it reserved the row for:
 * every outcome but `sent` applies only while the row still carries that slot, so an attempt
 * that stalled while a newer one took the campaign over never writes over the newer one's rows.
 */
export type SendOutcome = { id: number; slot: number } & (
  | { kind: 'sent'; wamid: string }
  /** The request may have gone out: only a status webhook can tell. */
  | { kind: 'unknown'; message: string }
  /** Try again after `delayMs`; `refund` gives the attempt back (throttling is not an attempt). */
  | { kind: 'retry'; delayMs: number; refund: boolean; code: number | null; message: string }
  | { kind: 'failed'; cls: FailureClass; code: number | null; message: string }
  /** Reserved but never dispatched: back to pending at once, attempt given back. */
  | { kind: 'release' }
);

const OTHERS = '*';

/**
 * The send path's storage: leases that fence out stale attempts, slot reservations that claim
 * recipients and move every limit key they use in one transaction, and set-wise recording of
 * outcomes. Every statement handles a batch, never a row.
 */
export class SendQueueRepository {
  /** Per campaign and group: the last fresh row id claimed, so a claim never walks sent rows. */
  private readonly cursors = new Map<string, Map<string, number>>();

  constructor(private readonly em: EntityManager) {}

  /**
   * Takes the campaign's send lease for a new attempt and settles what an older attempt left in
   * `sending`: rows whose slot lay beyond its last dispatch permit were never sent and go back to
   * pending; the others may have gone out and become `unknown`.
   */
  async takeLease(
    campaignId: string,
    lease: string,
  ): Promise<{ toPending: number; toUnknown: number } | null> {
    this.cursors.delete(campaignId);
    // Locks taken in one order everywhere: the campaign row, then limit keys, then recipients.
    return this.em.fork().transactional(async (em) => {
      const [campaign] = await em.execute<{ dispatch_permit: number | null }[]>(
        `update campaigns set send_lease = ? where id = ? returning dispatch_permit`,
        [lease, campaignId],
      );
      if (!campaign) return null;
      const rows = await em.execute<{ status: string; n: string }[]>(
        `with settled as (
           update recipients set
             status = case when slot_at > ? then 'pending' else 'unknown' end,
             attempts = case when slot_at > ? then greatest(attempts - 1, 0) else attempts end,
             next_attempt_at = case when slot_at > ? then now() else null end,
             unknown_since = case when slot_at > ? then unknown_since else now() end,
             error_message = case when slot_at > ? then error_message
               else 'send interrupted; awaiting the provider''s status' end,
             updated_at = now()
           where campaign_id = ? and status = 'sending'
           returning status)
         select status, count(*) as n from settled group by status`,
        [...Array<number>(5).fill(campaign.dispatch_permit ?? 0), campaignId],
      );
      const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
      return { toPending: n('pending'), toUnknown: n('unknown') };
    });
  }

  /**
   * Reserves send slots and claims the recipients for them, in one transaction that locks the
   * limit keys involved: the sender, the campaign's own cap, and every rate-limited country of
   * its audience. Rows are chosen per country group so that limited countries never hold back
   * the others.
   */
  async claim(
    campaignId: string,
    lease: string,
    sender: string,
    settings: ClaimSettings,
  ): Promise<ClaimResult> {
    // Copied: a reservation that rolls back must not move the cursors on.
    const cursors = new Map(this.cursors.get(campaignId) ?? []);
    const result = await this.em.fork().transactional(async (em): Promise<ClaimResult> => {
      const [campaign] = await em.execute<
        {
          countries: string[];
          workspace_id: string;
          db_now: number;
          stop_request: CampaignStopRequest | null;
        }[]
      >(
        `select countries, workspace_id, stop_request,
           extract(epoch from clock_timestamp()) * 1000 as db_now
         from campaigns where id = ? and send_lease = ? and status = 'running'
         for no key update`,
        [campaignId, lease],
      );
      if (!campaign) return { kind: 'lost' };
      if (campaign.stop_request) return { kind: 'stopped', stop: campaign.stop_request };
      const dbNow = Number(campaign.db_now);
      const countryKeyOf = (country: string) => countryKey(campaign.workspace_id, country);
      const keyNames = [
        senderKey(sender),
        campaignKey(campaignId),
        ...campaign.countries.map(countryKeyOf),
      ];
      const keyRows = await em.execute<RateLimitRow[]>(
        `select key, rate_per_second, next_at, throttle_factor, throttled_until, halted_reason
         from rate_limits where key in (select jsonb_array_elements_text(?::jsonb))
         order by key for update`,
        [JSON.stringify(keyNames)],
      );
      const senderRow = keyRows.find((k) => k.key === senderKey(sender));
      if (!senderRow) throw new Error(`no rate limit row for ${senderKey(sender)}`);
      if (senderRow.halted_reason) return { kind: 'halted', reason: senderRow.halted_reason };

      const keys: Record<string, LimitKey> = {};
      for (const row of keyRows) {
        keys[row.key] = {
          intervalMs: slotIntervalMs(effectiveRate(row, dbNow), settings.jitterMs),
          nextAt: Number(row.next_at),
        };
      }
      // Keys other than the sender may go up to one sender interval early (half the jitter
      // allowance at most), so they keep their pace on the sender's grid; sends under them then
      // have the rest of the allowance for dispatch lateness.
      const tolerance = Math.min(keys[senderKey(sender)].intervalMs, settings.jitterMs / 2);
      for (const [name, key] of Object.entries(keys)) {
        if (name !== senderKey(sender)) key.toleranceMs = tolerance;
      }
      const shared = [senderKey(sender), campaignKey(campaignId)].filter((k) => keys[k]);
      const limited = campaign.countries.filter((c) => keys[countryKeyOf(c)]);
      const limitedSet = Object.fromEntries(limited.map((c) => [c, true]));
      const groups: SlotGroup[] = [
        ...limited.map((c) => ({ id: c, keys: [...shared, countryKeyOf(c)], waiting: 0 })),
        { id: OTHERS, keys: shared, waiting: 0 },
      ];
      const from = dbNow + settings.leadMs;
      const until = dbNow + settings.maxAheadMs;
      const quantum = Math.max(
        1,
        Math.min(
          settings.maxBatch,
          Math.floor(settings.quantumMs / keys[senderKey(sender)].intervalMs),
        ),
      );
      const want = (g: SlotGroup) =>
        Math.max(1, Math.min(quantum, groupCapacity(keys, g.keys, from, until)));

      const query = candidateQuery({
        campaignId,
        retries: quantum,
        countries: groups
          .filter((g) => g.id !== OTHERS)
          .map((g) => ({ country: g.id, n: want(g), after: cursors.get(g.id) ?? 0 })),
        others: { n: want(groups[groups.length - 1]), after: cursors.get(OTHERS) ?? 0 },
      });
      const candidates = await em.execute<CandidateRow[]>(query.sql, query.params);
      if (candidates.length === 0) return this.idle(em, campaignId, dbNow);

      const byGroup = new Map<string, CandidateRow[]>(groups.map((g) => [g.id, []]));
      for (const row of candidates) {
        byGroup.get(limited.includes(row.country) ? row.country : OTHERS)?.push(row);
      }
      for (const g of groups) g.waiting = byGroup.get(g.id)?.length ?? 0;
      const plan = planSlots({ keys, groups, from, until, max: quantum });
      if (plan.slots.length === 0) {
        return { kind: 'wait', until: (plan.nextPossibleAt ?? until) - settings.maxAheadMs, dbNow };
      }

      const taken = new Map<string, number>();
      const claims = plan.slots.map((slot) => {
        const index = taken.get(slot.group) ?? 0;
        taken.set(slot.group, index + 1);
        const row = byGroup.get(slot.group)![index];
        if (row.lane === 'fresh') {
          cursors.set(slot.group, Math.max(cursors.get(slot.group) ?? 0, Number(row.id)));
        }
        return { row, slotAt: slot.at };
      });
      const permit = dbNow + settings.permitAheadMs;
      const claimed = await em.execute<{ id: string }[]>(
        `with s as (select * from jsonb_to_recordset(?::jsonb) as s(id bigint, slot double precision)),
         claimed as (
           update recipients r set status = 'sending', attempts = r.attempts + 1,
             slot_at = s.slot, next_attempt_at = null, updated_at = now()
           from s where r.id = any(array(select id from s)) and s.id = r.id and r.status = 'pending'
           returning r.id),
         moved as (
           update rate_limits k set next_at = n.next_at
           from jsonb_to_recordset(?::jsonb) as n(key text, next_at double precision)
           where k.key = n.key returning 1),
         permitted as (
           update campaigns set dispatch_permit = greatest(coalesce(dispatch_permit, 0), ?)
           where id = ? returning 1)
         select id from claimed`,
        [
          JSON.stringify(
            claims
              .map((c) => ({ id: Number(c.row.id), slot: c.slotAt }))
              .sort((a, b) => a.id - b.id),
          ),
          JSON.stringify(Object.entries(plan.keys).map(([key, k]) => ({ key, next_at: k.nextAt }))),
          permit,
          campaignId,
        ],
      );
      const ids = new Set(claimed.map((c) => c.id));
      const rows = claims
        .filter((c) => ids.has(c.row.id))
        .map(({ row, slotAt }) => ({
          id: Number(row.id),
          phone: row.phone,
          country: row.country,
          variables: row.variables,
          templateName: row.template_name,
          templateLanguage: row.template_language,
          text: row.content?.text ?? null,
          attempts: row.attempts + 1,
          slotAt,
          maxLateMs:
            settings.jitterMs -
            (row.country in limitedSet || keys[campaignKey(campaignId)] ? tolerance : 0),
        }));
      return { kind: 'claimed', rows, dbNow, permit };
    });
    if (result.kind === 'claimed') this.cursors.set(campaignId, cursors);
    return result;
  }

  /** Nothing fetched: either nothing is pending, or only retries that are not due yet. */
  private async idle(em: EntityManager, campaignId: string, dbNow: number): Promise<ClaimResult> {
    const [row] = await em.execute<{ pending: string; due: number | null }[]>(
      `select (select coalesce((counts ->> 'pending')::bigint, 0) from campaign_counts
                 where campaign_id = ?) as pending,
              (select extract(epoch from min(next_attempt_at)) * 1000 from recipients
                 where campaign_id = ? and status = 'pending' and next_attempt_at is not null) as due`,
      [campaignId, campaignId],
    );
    if (Number(row?.pending ?? 0) === 0) return { kind: 'empty' };
    // Fresh rows behind the cursors can only be there if the cursors went stale: start over.
    if (row?.due === null || row?.due === undefined) {
      this.cursors.delete(campaignId);
      return { kind: 'wait', until: dbNow, dbNow };
    }
    return { kind: 'wait', until: Number(row.due), dbNow };
  }

  /**
   * Lets the lease holder dispatch slots up to `permit`. False when the lease was lost: the
   * holder must then stop dispatching beyond its previous permit.
   */
  async extendPermit(campaignId: string, lease: string, permit: number): Promise<boolean> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update campaigns set dispatch_permit = greatest(coalesce(dispatch_permit, 0), ?)
         where id = ? and send_lease = ? and status = 'running'`,
      [permit, campaignId, lease],
      'run',
    );
    return res.affectedRows === 1;
  }

  /**
   * The provider refused a template of a ledger whose messages name their own (a sequence's):
   * its messages still waiting wait `hold` ms (a paused template), or fail with the code (a
   * template that is gone), while the ledger's other messages go on.
   */
  async refuseTemplate(
    campaignId: string,
    template: { name: string; language: string },
    refusal: { hold: number | null; code: number | null; reason: string },
  ): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set
         status = case when ?::double precision is null then 'failed' else status end,
         next_attempt_at = case when ?::double precision is null then next_attempt_at
           else now() + ? * interval '1 millisecond' end,
         error_code = ?, error_message = case when ?::double precision is null then ? else 'held: ' || ? end,
         error_class = case when ?::double precision is null then 'permanent' else error_class end,
         failed_at = case when ?::double precision is null then now() else failed_at end,
         updated_at = now()
       where campaign_id = ? and status = 'pending' and template_name = ? and template_language = ?`,
      [
        refusal.hold,
        refusal.hold,
        refusal.hold ?? 0,
        refusal.code,
        refusal.hold,
        refusal.reason.slice(0, 2000),
        refusal.reason.slice(0, 2000),
        refusal.hold,
        refusal.hold,
        campaignId,
        template.name,
        template.language,
      ],
      'run',
    );
    return res.affectedRows;
  }

  /**
   * Lifts a template's hold (refuseTemplate with a hold): its waiting rows of this ledger are
   * due again at once. Returns how many.
   */
  async releaseTemplate(
    campaignId: string,
    template: { name: string; language: string },
  ): Promise<number> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update recipients set next_attempt_at = now(), error_code = null, error_message = null,
         updated_at = now()
       where campaign_id = ? and status = 'pending' and template_name = ? and template_language = ?
         and error_message like 'held: %'`,
      [campaignId, template.name, template.language],
      'run',
    );
    return res.affectedRows;
  }

  /** Database clock, epoch ms, for mapping slots onto the caller's clock. */
  async dbNow(): Promise<number> {
    const [row] = await this.em
      .fork()
      .execute<{ now: number }[]>(`select extract(epoch from clock_timestamp()) * 1000 as now`);
    return Number(row.now);
  }

  /**
   * Records a batch of outcomes in one statement, in id order (the order every writer locks
   * rows in). A `sent` answer is proof the message went out: it applies to a row still
   * `sending` or settled `unknown` (a status webhook that moved the row on keeps its status and
   * gains the message id). Every other outcome applies only to a row that still carries the
   * slot this attempt reserved it for (`sending`, or `unknown` when a newer attempt settled it
   * meanwhile): a row a newer attempt has claimed again carries another slot and is left alone,
   * and a row this attempt never dispatched goes back to pending at once. With
   * `wakeEnrolments`, the enrolments waiting for these messages are due at once.
   */
  async record(outcomes: SendOutcome[], options: { wakeEnrolments?: boolean } = {}): Promise<void> {
    if (outcomes.length === 0) return;
    const rows = [...outcomes].sort((a, b) => a.id - b.id);
    await retryOnDeadlock(() =>
      this.em.fork().execute(
        `with v as materialized (
           select * from jsonb_to_recordset(?::jsonb) as v(id bigint, slot double precision,
             kind text, wamid text, code int, message text, delay_ms int, refund boolean, cls text)),
         ${LOCK_IN_ID_ORDER('v')}
         update recipients r set
           status = case
             when v.kind = 'sent' then case when r.status in ('sending', 'unknown') then 'sent' else r.status end
             when v.kind in ('retry', 'release') then 'pending'
             else v.kind end,
           wamid = coalesce(r.wamid, v.wamid),
           sent_at = case when v.kind = 'sent' then coalesce(r.sent_at, now()) else r.sent_at end,
           attempts = case when coalesce(v.refund, false) or v.kind = 'release'
             then greatest(r.attempts - 1, 0) else r.attempts end,
           next_attempt_at = case when v.kind in ('retry', 'release')
             then now() + coalesce(v.delay_ms, 0) * interval '1 millisecond' else r.next_attempt_at end,
           error_code = case when v.kind in ('retry', 'failed') then v.code else r.error_code end,
           error_message = case when v.kind in ('retry', 'failed', 'unknown') then v.message
             else r.error_message end,
           error_class = case when v.kind = 'failed' then v.cls else r.error_class end,
           failed_at = case when v.kind = 'failed' then now() else r.failed_at end,
           unknown_since = case when v.kind = 'unknown' then now()
             when v.kind in ('retry', 'release') then null else r.unknown_since end,
           updated_at = now()
         from v
         where r.id = any(array(select id from locked)) and v.id = r.id
           and (v.kind = 'sent'
             or (r.status in ('sending', 'unknown') and r.slot_at = v.slot))`,
        [
          JSON.stringify(
            rows.map((o) => ({
              id: o.id,
              slot: o.slot,
              kind: o.kind,
              wamid: o.kind === 'sent' ? o.wamid : null,
              code: o.kind === 'retry' || o.kind === 'failed' ? o.code : null,
              message: 'message' in o ? o.message.slice(0, 2000) : null,
              delay_ms: o.kind === 'retry' ? Math.round(o.delayMs) : 0,
              refund: o.kind === 'retry' ? o.refund : false,
              cls: o.kind === 'failed' ? o.cls : null,
            })),
          ),
        ],
        'run',
      ),
    );
    if (options.wakeEnrolments) {
      const settled = rows.filter((o) => o.kind !== 'retry' && o.kind !== 'release');
      if (settled.length) {
        await this.em.fork().execute(
          `update enrolments set due_at = now()
           where row_id = any(array(select jsonb_array_elements_text(?::jsonb))::bigint[])
             and status = 'active' and phase = 'sending'`,
          [JSON.stringify(settled.map((o) => o.id))],
        );
      }
    }
    // A 131050 answer means the person stopped marketing messages: the number is suppressed.
    const stopped = rows.filter((o) => o.kind === 'failed' && o.code === 131050).map((o) => o.id);
    if (stopped.length) {
      await this.em.fork().execute(
        `with added as (
           insert into suppressions (workspace_id, phone, reason)
           select distinct k.workspace_id, r.phone, 'error_131050'
           from recipients r join campaigns k on k.id = r.campaign_id
           where r.id = any(array(select jsonb_array_elements_text(?::jsonb))::bigint[])
           on conflict do nothing returning workspace_id, phone)
         update recipients r set status = 'skipped', updated_at = now(),
           error_message = 'opted out (error_131050)'
         from added, campaigns k
         where r.phone = added.phone and r.status = 'pending'
           and k.id = r.campaign_id and k.workspace_id = added.workspace_id`,
        [JSON.stringify(stopped.map(String))],
      );
    }
  }
}
