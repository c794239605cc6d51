import type { EntityManager } from '@mikro-orm/postgresql';
import { isoDate } from './contact.repository.js';

/** Hours a message opens the customer service window for (Meta's rule). */
export const SERVICE_WINDOW_HOURS = 24;

/** An inbound message as the webhook intake stores it. */
export interface NewInboundMessage {
  wamid: string;
  /** E.164. */
  phone: string;
  phoneNumberId: string | null;
  type: string;
  text: string | null;
  payload: string | null;
  content: Record<string, unknown> | null;
  /** The wamid replied or reacted to. */
  repliedTo: string | null;
  receivedAt: Date;
}

/** Whose messages a page lists: a number's, a campaign's replies, a sequence's (or one step's). */
export type InboundScope =
  { phone: string } | { campaignId: string } | { sequenceId: string; step?: string };

export interface InboundCursor {
  receivedAt: string;
  id: string;
}

interface Row {
  id: string;
  wamid: string;
  phone: string;
  contact_id: string | null;
  phone_number_id: string | null;
  type: string;
  text: string | null;
  payload: string | null;
  content: Record<string, unknown> | null;
  context_wamid: string | null;
  received_at: Date;
  window_expires_at: Date;
  campaign_id: string | null;
  sequence_id: string | null;
  step: string | null;
}

const view = (r: Row) => ({
  id: r.id,
  wamid: r.wamid,
  from: r.phone,
  contactId: r.contact_id,
  phoneNumberId: r.phone_number_id,
  type: r.type,
  text: r.text,
  payload: r.payload,
  content: r.content,
  repliedTo: r.context_wamid,
  receivedAt: isoDate(r.received_at)!,
  windowExpiresAt: isoDate(r.window_expires_at)!,
  campaignId: r.campaign_id,
  sequenceId: r.sequence_id,
  step: r.step,
});
export type InboundMessageView = ReturnType<typeof view>;

/**
 * Inbound messages, kept once per wamid in a workspace. Each is attributed when stored to the
 * message its number was sent: the one its `context` names, if that is one of the workspace's,
 * else the last one sent to the number within the attribution window before it.
 */
export class InboundMessageRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Stores a delivery's messages in one statement; a wamid stored already is left as it is, so
   * a redelivery stores nothing twice. Returns the wamids stored now.
   */
  async store(
    workspaceId: string,
    messages: NewInboundMessage[],
    attributionWindowHours: number,
    em: EntityManager = this.em.fork(),
  ): Promise<string[]> {
    if (messages.length === 0) return [];
    // Meta's timestamps are whole seconds, sent times are not: a reply stamped in the second
    // its message was sent still follows it. A message the provider accepted whose acceptance
    // is not recorded yet (still `sending`) counts from its send slot, so a quick answer is not
    // lost to the write-back's batching.
    const rows = await em.execute<{ wamid: string }[]>(
      `with m as (
         select distinct on (m.wamid) m.* from jsonb_to_recordset(?::jsonb) as m(wamid text,
           phone text, phone_number_id text, type text, text text, payload text, content jsonb,
           context_wamid text, received_at timestamptz)
         order by m.wamid),
       fresh as (
         select m.*, ?::int * interval '1 hour' as reach from m where not exists (
           select 1 from inbound_messages i where i.workspace_id = ? and i.wamid = m.wamid)),
       a as (
         select f.*, s.ledger_id, s.kind, s.send_key from fresh f
         left join lateral (
           select x.ledger_id, x.kind, x.send_key from (
             (select r.campaign_id as ledger_id, k.kind, r.send_key, 0 as rank,
                null::timestamptz as at
              from recipients r join campaigns k on k.id = r.campaign_id
              where f.context_wamid is not null and r.wamid = f.context_wamid
                and r.phone = f.phone and k.workspace_id = ?
              limit 1)
             union all
             (select r.campaign_id, k.kind, r.send_key, 1, r.sent_at
              from recipients r join campaigns k on k.id = r.campaign_id
              where r.phone = f.phone and r.sent_at is not null and k.workspace_id = ?
                and r.sent_at < f.received_at + interval '1 second'
                and r.sent_at > f.received_at - f.reach
              order by r.sent_at desc limit 1)
             union all
             (select r.campaign_id, k.kind, r.send_key, 1, to_timestamp(r.slot_at / 1000)
              from recipients r join campaigns k on k.id = r.campaign_id
              where r.phone = f.phone and r.status = 'sending' and k.workspace_id = ?
                and to_timestamp(r.slot_at / 1000) < f.received_at + interval '1 second'
                and to_timestamp(r.slot_at / 1000) > f.received_at - f.reach
              order by r.slot_at desc limit 1)) x
           order by x.rank, x.at desc limit 1) s on true)
       insert into inbound_messages (id, workspace_id, contact_id, phone, phone_number_id, wamid,
         type, text, payload, content, context_wamid, received_at, window_expires_at,
         campaign_id, sequence_id, step)
       select gen_random_uuid(), ?,
         (select c.id from contacts c where c.workspace_id = ? and c.phone = a.phone),
         a.phone, a.phone_number_id, a.wamid, a.type, a.text, a.payload, a.content,
         a.context_wamid, a.received_at, a.received_at + ?::int * interval '1 hour',
         case when a.kind = 'campaign' then a.ledger_id end,
         case when a.kind = 'sequence' then a.ledger_id end,
         case when a.kind = 'sequence' then nullif(split_part(a.send_key, '/', 3), '') end
       from a
       on conflict (workspace_id, wamid) do nothing
       returning wamid`,
      [
        JSON.stringify(
          messages.map((m) => ({
            wamid: m.wamid,
            phone: m.phone,
            phone_number_id: m.phoneNumberId,
            type: m.type,
            text: m.text,
            payload: m.payload,
            content: m.content,
            context_wamid: m.repliedTo,
            received_at: m.receivedAt.toISOString(),
          })),
        ),
        attributionWindowHours,
        workspaceId,
        workspaceId,
        workspaceId,
        workspaceId,
        workspaceId,
        workspaceId,
        SERVICE_WINDOW_HOURS,
      ],
    );
    return rows.map((r) => r.wamid);
  }

  /** A page of a scope's messages, newest first, after the cursor of the previous page. */
  async page(
    workspaceId: string,
    scope: InboundScope,
    after: InboundCursor | null,
    limit: number,
  ): Promise<InboundMessageView[]> {
    const [where, params] =
      'phone' in scope
        ? ['i.phone = ?', [scope.phone]]
        : 'campaignId' in scope
          ? ['i.campaign_id = ?', [scope.campaignId]]
          : [
              'i.sequence_id = ? and (?::text is null or i.step = ?)',
              [scope.sequenceId, scope.step ?? null, scope.step ?? null],
            ];
    const rows = await this.em.fork().execute<Row[]>(
      `select i.id, i.wamid, i.phone, i.contact_id, i.phone_number_id, i.type, i.text, i.payload,
         i.content, i.context_wamid, i.received_at, i.window_expires_at, i.campaign_id,
         i.sequence_id, i.step
       from inbound_messages i
       where i.workspace_id = ? and ${where}
         and (?::timestamptz is null or (i.received_at, i.id) < (?::timestamptz, ?::uuid))
       order by i.received_at desc, i.id desc limit ?`,
      [
        workspaceId,
        ...params,
        after?.receivedAt ?? null,
        after?.receivedAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
    return rows.map(view);
  }
}
