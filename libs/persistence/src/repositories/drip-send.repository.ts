import type { EntityManager } from '@mikro-orm/postgresql';
import { planSlots, slotIntervalMs, type LimitKey } from '#libs/domain';
import { effectiveRate, type RateLimitRow } from './rate-limit.repository.js';
import { countryKey, senderKey } from './send-queue.repository.js';

/** No two messages to one contact within this long (the provider's pair rate). */
export const PAIR_INTERVAL_MS = 6_000;
/**
 * The pair key's spacing: the provider's 6 s plus a margin for the first message leaving late
 * and the next on time (a send may leave a little after its slot, never before).
 */
export const PAIR_SPACING_MS = PAIR_INTERVAL_MS + 1_000;
export const pairKey = (workspaceId: string, phone: string) => `pair:${workspaceId}:${phone}`;

export interface DripMessage {
  workspaceId: string;
  sequenceId: string;
  contactId: string;
  phone: string;
  country: string;
  sender: string;
  templateName: string | null;
  variables: string[] | null;
  /** Names the message across attempts: the row is written once and sent once. */
  sendKey: string;
}

/** What an earlier attempt left for this message, if anything. */
export interface DripRow {
  id: number;
  status: string;
  errorMessage: string | null;
  sentAt: number | null;
}

export type DripReservation =
  | { kind: 'reserved'; rowId: number; slotAt: number; dbNow: number; attempts: number }
  /** No slot within the horizon: try again at `until` (database clock). */
  | { kind: 'wait'; until: number; dbNow: number }
  | { kind: 'halted'; reason: string }
  /** An earlier attempt already took this message further: its row says how. */
  | { kind: 'exists'; row: DripRow };

/**
 * Reserves one drip message's send slot on every limit key it falls under at once (the sender,
 * the destination country when the workspace limits it, and the contact's pair key of one
 * message per 6 s), moving each key on, and records the message as a `sending` row of the
 * sequence's ledger in the same transaction: the same global limiter and state machine as
 * campaigns.
 */
export class DripSendRepository {
  constructor(private readonly em: EntityManager) {}

  async reserve(
    message: DripMessage,
    settings: { leadMs: number; maxAheadMs: number; jitterMs: number },
  ): Promise<DripReservation> {
    const pair = pairKey(message.workspaceId, message.phone);
    await this.em
      .fork()
      .execute(
        `insert into rate_limits (key, rate_per_second) values (?, ?) on conflict (key) do nothing`,
        [pair, 1000 / PAIR_SPACING_MS],
      );
    return this.em.fork().transactional(async (em): Promise<DripReservation> => {
      const names = [
        senderKey(message.sender),
        countryKey(message.workspaceId, message.country),
        pair,
      ];
      const rows = await em.execute<(RateLimitRow & { db_now: number })[]>(
        `select *, extract(epoch from clock_timestamp()) * 1000 as db_now from rate_limits
         where key in (select jsonb_array_elements_text(?::jsonb)) order by key for update`,
        [JSON.stringify(names)],
      );
      const dbNow = Number(rows[0]?.db_now ?? Date.now());
      const sender = rows.find((r) => r.key === senderKey(message.sender));
      if (!sender) throw new Error(`no rate limit row for ${senderKey(message.sender)}`);
      if (sender.halted_reason) return { kind: 'halted', reason: sender.halted_reason };
      const keys: Record<string, LimitKey> = {};
      for (const row of rows) {
        keys[row.key] = {
          intervalMs:
            row.key === pair
              ? PAIR_SPACING_MS
              : slotIntervalMs(effectiveRate(row, dbNow), settings.jitterMs),
          nextAt: Number(row.next_at),
        };
      }
      const plan = planSlots({
        keys,
        groups: [{ id: 'm', keys: Object.keys(keys), waiting: 1 }],
        from: dbNow + settings.leadMs,
        until: dbNow + settings.maxAheadMs,
        max: 1,
      });
      const slot = plan.slots[0];
      if (!slot) {
        return {
          kind: 'wait',
          until: (plan.nextPossibleAt ?? dbNow + settings.maxAheadMs) - settings.maxAheadMs / 2,
          dbNow,
        };
      }
      // A row of an earlier attempt: a retry waiting (pending) is sent again; any other state
      // means the message went on already (a row left in `sending` by a crash may have been
      // sent, so it becomes `unknown` and is never repeated).
      const [earlier] = await em.execute<
        { id: string; status: string; error_message: string | null; sent_at: number | null }[]
      >(
        `select id, status, error_message, extract(epoch from sent_at) * 1000 as sent_at
         from recipients where send_key = ? for update`,
        [message.sendKey],
      );
      if (earlier && earlier.status !== 'pending') {
        if (earlier.status === 'sending') {
          await em.execute(
            `update recipients set status = 'unknown', unknown_since = now(), updated_at = now(),
               error_message = 'send interrupted; awaiting the provider''s status' where id = ?`,
            [earlier.id],
          );
          earlier.status = 'unknown';
        }
        return {
          kind: 'exists',
          row: {
            id: Number(earlier.id),
            status: earlier.status,
            errorMessage: earlier.error_message,
            sentAt: earlier.sent_at === null ? null : Number(earlier.sent_at),
          },
        };
      }
      let row: { id: string; attempts: number } | undefined;
      if (earlier) {
        [row] = await em.execute<{ id: string; attempts: number }[]>(
          `update recipients set status = 'sending', attempts = attempts + 1, slot_at = ?,
             next_attempt_at = null, updated_at = now()
           where id = ? returning id, attempts`,
          [slot.at, earlier.id],
        );
      } else {
        [row] = await em.execute<{ id: string; attempts: number }[]>(
          `insert into recipients (campaign_id, phone, country, variables, contact_id,
             template_name, send_key, status, attempts, slot_at)
           values (?, ?, ?, ?::jsonb, ?, ?, ?, 'sending', 1, ?) returning id, attempts`,
          [
            message.sequenceId,
            message.phone,
            message.country,
            message.variables ? JSON.stringify(message.variables) : null,
            message.contactId,
            message.templateName,
            message.sendKey,
            slot.at,
          ],
        );
        await em.execute(
          `update campaigns set total_recipients = total_recipients + 1,
             countries = case when ? = any(countries) then countries else array_append(countries, ?) end
           where id = ?`,
          [message.country, message.country, message.sequenceId],
        );
      }
      await em.execute(
        `update rate_limits k set next_at = n.next_at
         from jsonb_to_recordset(?::jsonb) as n(key text, next_at double precision)
         where k.key = n.key`,
        [JSON.stringify(Object.entries(plan.keys).map(([key, k]) => ({ key, next_at: k.nextAt })))],
      );
      return {
        kind: 'reserved',
        rowId: Number(row.id),
        slotAt: slot.at,
        dbNow,
        attempts: Number(row.attempts),
      };
    });
  }

  /** Records a message the journey skips (opt-out, cap, missing variable), with the reason. */
  async skip(message: Omit<DripMessage, 'sender'>, reason: string): Promise<void> {
    await this.em.fork().execute(
      `insert into recipients (campaign_id, phone, country, variables, contact_id, template_name,
         send_key, status, error_message)
       values (?, ?, ?, ?::jsonb, ?, ?, ?, 'skipped', ?) on conflict do nothing`,
      [
        message.sequenceId,
        message.phone,
        message.country,
        message.variables ? JSON.stringify(message.variables) : null,
        message.contactId,
        message.templateName,
        message.sendKey,
        reason,
      ],
    );
  }

  /**
   * Marketing messages sent to the contact within the last `windowMs`, and when the oldest of
   * them leaves the window (epoch ms).
   */
  async recentMessages(workspaceId: string, contactId: string, windowMs: number) {
    const [row] = await this.em.fork().execute<{ n: string; oldest: number | null }[]>(
      `select count(*) as n, extract(epoch from min(coalesce(r.sent_at, r.updated_at))) * 1000 as oldest
       from recipients r join campaigns k on k.id = r.campaign_id
       where r.contact_id = ? and k.workspace_id = ?
         and r.status in ('sending', 'unknown', 'sent', 'delivered', 'read')
         and coalesce(r.sent_at, r.updated_at) > now() - ? * interval '1 millisecond'
         and (r.template_name is not null or k.kind = 'campaign')`,
      [contactId, workspaceId, windowMs],
    );
    return {
      count: Number(row?.n ?? 0),
      oldestAt: row?.oldest === null ? null : Number(row?.oldest),
    };
  }

  /** The contact as a drip send needs it, with its opt-out; null when it was erased. */
  async contact(workspaceId: string, contactId: string) {
    const [row] = await this.em.fork().execute<
      {
        phone: string;
        country: string;
        name: string | null;
        attributes: Record<string, string>;
        time_zone: string | null;
        last_inbound_at: Date | string | null;
        suppressed: string | null;
      }[]
    >(
      `select c.phone, c.country, c.name, c.attributes, c.time_zone, c.last_inbound_at,
              s.reason as suppressed
       from contacts c left join suppressions s on s.workspace_id = c.workspace_id and s.phone = c.phone
       where c.workspace_id = ? and c.id = ?`,
      [workspaceId, contactId],
    );
    if (!row) return null;
    return {
      ...row,
      lastInboundAt: row.last_inbound_at === null ? null : new Date(row.last_inbound_at).getTime(),
    };
  }

  /** The sequence's sender and whether it is paused. */
  async sequence(sequenceId: string) {
    const [row] = await this.em.fork().execute<{ sender: string; paused: boolean }[]>(
      `select k.sender_phone_number_id as sender, s.paused_at is not null as paused
       from sequences s join campaigns k on k.id = s.id where s.id = ?`,
      [sequenceId],
    );
    return row ?? null;
  }

  /** Whether the row was read, for branches on `read`. */
  async wasRead(rowId: number): Promise<boolean> {
    const [row] = await this.em
      .fork()
      .execute<{ read: boolean }[]>(
        `select read_at is not null as read from recipients where id = ?`,
        [rowId],
      );
    return row?.read ?? false;
  }
}
