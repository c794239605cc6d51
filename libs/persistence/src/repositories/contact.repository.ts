import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContactFilter, SuppressionReason } from '#libs/domain';
import { contactSelection, missingVariable, valuesObject } from './contact-selection.js';

/** A contact as an import or a create writes it; absent fields keep what is stored. */
export interface ContactRow {
  phone: string;
  country: string;
  name?: string | null;
  attributes?: Record<string, string>;
  timeZone?: string | null;
  consentAt?: string | null;
  consentSource?: string | null;
  consentPurpose?: string | null;
}

interface ContactRecord {
  id: string;
  phone: string;
  country: string;
  name: string | null;
  attributes: Record<string, string>;
  time_zone: string | null;
  consent_at: Date | null;
  consent_source: string | null;
  consent_purpose: string | null;
  last_inbound_at: Date | null;
  created_at: Date;
  updated_at: Date;
  suppression_reason: SuppressionReason | null;
  suppressed_at: Date | null;
}

/** Raw queries return timestamps as PostgreSQL text; the API speaks ISO 8601. */
export const isoDate = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

const view = (c: ContactRecord) => ({
  id: c.id,
  phone: c.phone,
  country: c.country,
  name: c.name,
  attributes: c.attributes,
  timeZone: c.time_zone,
  consent: c.consent_at
    ? { at: isoDate(c.consent_at), source: c.consent_source, purpose: c.consent_purpose }
    : null,
  suppressed: c.suppression_reason
    ? { reason: c.suppression_reason, at: isoDate(c.suppressed_at) }
    : null,
  lastInboundAt: isoDate(c.last_inbound_at),
  createdAt: isoDate(c.created_at),
  updatedAt: isoDate(c.updated_at),
});
export type ContactView = ReturnType<typeof view>;

const SELECT_CONTACT = `select c.*, s.reason as suppression_reason, s.created_at as suppressed_at
  from contacts c left join suppressions s on s.workspace_id = c.workspace_id and s.phone = c.phone`;

type UpsertResult = { created: string; updated: string; ids: string[] | null };

/** The rows of a batch as the relation `a`, with their order in the batch as `ord`. */
const INCOMING = `a as (
  select * from rows from (jsonb_to_recordset(?::jsonb) as (phone text, country text, name text,
    attributes jsonb, time_zone text, consent_at timestamptz, consent_source text,
    consent_purpose text)) with ordinality as a(phone, country, name, attributes, time_zone,
    consent_at, consent_source, consent_purpose, ord))`;

/**
 * Creates or merges the contacts of relation `source` (numbers unique within it) in the
 * workspace given by the next parameter, adds them to the lists of the one after, and counts.
 */
const upsertFrom = (source: string) => `up as (
  insert into contacts (id, workspace_id, phone, country, name, attributes, time_zone,
                        consent_at, consent_source, consent_purpose)
  select gen_random_uuid(), ?, phone, country, name, coalesce(attributes, '{}'), time_zone,
         consent_at, consent_source, consent_purpose
  from ${source}
  on conflict (workspace_id, phone) do update set
    name = coalesce(excluded.name, contacts.name),
    attributes = contacts.attributes || excluded.attributes,
    time_zone = coalesce(excluded.time_zone, contacts.time_zone),
    consent_at = coalesce(excluded.consent_at, contacts.consent_at),
    consent_source = case when excluded.consent_at is null then contacts.consent_source else excluded.consent_source end,
    consent_purpose = case when excluded.consent_at is null then contacts.consent_purpose else excluded.consent_purpose end,
    updated_at = now()
  returning id, (xmax = 0) as inserted),
l as (
  insert into contact_list_members (list_id, contact_id)
  select l::uuid, up.id from up, jsonb_array_elements_text(?::jsonb) as l
  on conflict do nothing)
select count(*) filter (where inserted) as created,
       count(*) filter (where not inserted) as updated,
       array_agg(id) as ids
from up`;

const contactsJson = (rows: ContactRow[]) =>
  JSON.stringify(
    rows.map((r) => ({
      phone: r.phone,
      country: r.country,
      name: r.name ?? null,
      attributes: r.attributes ?? {},
      time_zone: r.timeZone ?? null,
      consent_at: r.consentAt ?? null,
      consent_source: r.consentSource ?? null,
      consent_purpose: r.consentPurpose ?? null,
    })),
  );

/** Contacts, scoped to their workspace in every query; batches are written set-wise. */
export class ContactRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts or merges a batch (numbers unique within it): a new contact is created, a known
   * one keeps what the row leaves out and gains its attributes. Rows join `listId` when given.
   */
  async upsertBatch(
    workspaceId: string,
    rows: ContactRow[],
    listIds: string[] = [],
  ): Promise<{ created: number; updated: number; ids: string[] }> {
    if (rows.length === 0) return { created: 0, updated: 0, ids: [] };
    const [result] = await this.em
      .fork()
      .execute<UpsertResult[]>(`with ${INCOMING}, ${upsertFrom('a')}`, [
        contactsJson(rows),
        workspaceId,
        JSON.stringify(listIds),
      ]);
    return {
      created: Number(result?.created ?? 0),
      updated: Number(result?.updated ?? 0),
      ids: result?.ids ?? [],
    };
  }

  /**
   * One batch of an import, in file order: a number seen earlier in the batch or in an earlier
   * batch of the same import counts as a duplicate and is skipped (its first row wins); the
   * rest are written as `upsertBatch` does. PostgreSQL keeps the numbers seen, so an import's
   * memory does not grow with its file; `endImport` forgets them.
   */
  async importBatch(
    workspaceId: string,
    importId: string,
    rows: ContactRow[],
    listIds: string[] = [],
  ): Promise<{ created: number; updated: number; duplicates: number }> {
    if (rows.length === 0) return { created: 0, updated: 0, duplicates: 0 };
    const [result] = await this.em.fork().execute<UpsertResult[]>(
      `with ${INCOMING},
       first_rows as (select distinct on (phone) * from a order by phone, ord),
       fresh as (
         insert into contact_import_numbers (import_id, phone)
         select ?, phone from first_rows
         on conflict do nothing
         returning phone),
       f as (select first_rows.* from first_rows join fresh using (phone)),
       ${upsertFrom('f')}`,
      [contactsJson(rows), importId, workspaceId, JSON.stringify(listIds)],
    );
    const created = Number(result?.created ?? 0);
    const updated = Number(result?.updated ?? 0);
    return { created, updated, duplicates: rows.length - created - updated };
  }

  /**
   * Forgets the numbers an import has seen, and those of imports cut off a day ago or more
   * (an API that stopped mid-import never ended them).
   */
  async endImport(importId: string): Promise<void> {
    await this.em
      .fork()
      .execute(
        `delete from contact_import_numbers where import_id = ? or created_at < now() - interval '1 day'`,
        [importId],
      );
  }

  async exists(workspaceId: string, phone: string): Promise<boolean> {
    const rows = await this.em
      .fork()
      .execute(`select 1 from contacts where workspace_id = ? and phone = ?`, [workspaceId, phone]);
    return rows.length > 0;
  }

  async get(workspaceId: string, id: string): Promise<ContactView | null> {
    const [row] = await this.em
      .fork()
      .execute<ContactRecord[]>(`${SELECT_CONTACT} where c.workspace_id = ? and c.id = ?`, [
        workspaceId,
        id,
      ]);
    return row ? view(row) : null;
  }

  /** A page of contacts in id order after `afterId`, narrowed by the filter and a phone prefix. */
  async page(
    workspaceId: string,
    filter: ContactFilter & { phone?: string },
    afterId: string | null,
    limit: number,
  ): Promise<ContactView[]> {
    const selection = contactSelection(workspaceId, filter);
    const rows = await this.em.fork().execute<ContactRecord[]>(
      `${SELECT_CONTACT}
       where ${selection.where}
         and (?::uuid is null or c.id > ?::uuid)
         and (?::text is null or c.phone like ?::text)
       order by c.id limit ?`,
      [
        ...selection.params,
        afterId,
        afterId,
        filter.phone ?? null,
        filter.phone ? `${filter.phone.replace(/[\\%_]/g, '')}%` : null,
        limit,
      ],
    );
    return rows.map(view);
  }

  async update(
    workspaceId: string,
    id: string,
    patch: {
      name?: string | null;
      attributes?: Record<string, string | null>;
      timeZone?: string | null;
      consent?: { at: string; source: string; purpose: string } | null;
    },
  ): Promise<ContactView | null> {
    const set = Object.entries(patch.attributes ?? {}).filter(([, v]) => v !== null);
    const unset = Object.entries(patch.attributes ?? {})
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    const rows = await this.em.fork().execute(
      `update contacts set
         name = case when ?::boolean then ?::text else name end,
         attributes = (attributes || ?::jsonb) - array(select jsonb_array_elements_text(?::jsonb)),
         time_zone = case when ?::boolean then ?::text else time_zone end,
         consent_at = case when ?::boolean then ?::timestamptz else consent_at end,
         consent_source = case when ?::boolean then ?::text else consent_source end,
         consent_purpose = case when ?::boolean then ?::text else consent_purpose end,
         updated_at = now()
       where workspace_id = ? and id = ? returning id`,
      [
        patch.name !== undefined,
        patch.name ?? null,
        JSON.stringify(Object.fromEntries(set)),
        JSON.stringify(unset),
        patch.timeZone !== undefined,
        patch.timeZone ?? null,
        patch.consent !== undefined,
        patch.consent?.at ?? null,
        patch.consent !== undefined,
        patch.consent?.source ?? null,
        patch.consent !== undefined,
        patch.consent?.purpose ?? null,
        workspaceId,
        id,
      ],
    );
    return rows.length ? this.get(workspaceId, id) : null;
  }

  /** How many contacts the filter selects, and how many of them lack a template variable. */
  async audit(workspaceId: string, filter: ContactFilter, variables: string[], sample: number) {
    const selection = contactSelection(workspaceId, filter);
    const missing = missingVariable(variables);
    const [counts] = await this.em.fork().execute<{ total: string; missing: string }[]>(
      `select count(*) as total, count(*) filter (where ${missing.sql}) as missing
       from contacts c where ${selection.where}`,
      [...missing.params, ...selection.params],
    );
    const examples = Number(counts?.missing ?? 0)
      ? await this.em
          .fork()
          .execute<{ id: string; phone: string }[]>(
            `select c.id, c.phone from contacts c where ${selection.where} and ${missing.sql} order by c.id limit ?`,
            [...selection.params, ...missing.params, sample],
          )
      : [];
    return {
      total: Number(counts?.total ?? 0),
      missing: Number(counts?.missing ?? 0),
      examples,
    };
  }

  /**
   * A page of the selected contacts, in id order after `afterId`, each with its values for the
   * template's keys (its attributes; `name` falls back to the contact's name).
   */
  async valuesPage(
    workspaceId: string,
    filter: ContactFilter,
    keys: string[],
    afterId: string | null,
    limit: number,
  ): Promise<{ id: string; phone: string; values: Record<string, string> }[]> {
    const selection = contactSelection(workspaceId, filter);
    const values = valuesObject(keys);
    return this.em.fork().execute(
      `select c.id, c.phone, ${values.sql} as values from contacts c
       where ${selection.where} and (?::uuid is null or c.id > ?::uuid)
       order by c.id limit ?`,
      [...values.params, ...selection.params, afterId, afterId, limit],
    );
  }

  /** Marks the service window open: these numbers wrote to the business at these times. */
  async recordInbound(workspaceId: string, inbound: { phone: string; at: Date }[]) {
    if (inbound.length === 0) return;
    await this.em.fork().execute(
      `update contacts c set last_inbound_at = greatest(coalesce(c.last_inbound_at, a.at), a.at)
       from (select phone, max(at) as at from jsonb_to_recordset(?::jsonb) as x(phone text, at timestamptz)
             group by phone) a
       where c.workspace_id = ? and c.phone = a.phone`,
      [
        JSON.stringify(inbound.map((i) => ({ phone: i.phone, at: i.at.toISOString() }))),
        workspaceId,
      ],
    );
  }

  /** The messages sent to the contact, newest first. */
  async messages(workspaceId: string, contactId: string, limit: number) {
    const rows = await this.em.fork().execute<
      {
        campaign_id: string;
        campaign_name: string;
        template_name: string;
        status: string;
        wamid: string | null;
        error_code: number | null;
        sent_at: Date | null;
        delivered_at: Date | null;
        read_at: Date | null;
        failed_at: Date | null;
        updated_at: Date;
      }[]
    >(
      `select r.campaign_id, k.name as campaign_name, k.template_name, r.status, r.wamid,
              r.error_code, r.sent_at, r.delivered_at, r.read_at, r.failed_at, r.updated_at
       from recipients r join campaigns k on k.id = r.campaign_id
       where r.contact_id = ? and k.workspace_id = ?
       order by r.id desc limit ?`,
      [contactId, workspaceId, limit],
    );
    return rows.map((r) => ({
      campaignId: r.campaign_id,
      campaignName: r.campaign_name,
      template: r.template_name,
      status: r.status,
      wamid: r.wamid,
      errorCode: r.error_code,
      sentAt: isoDate(r.sent_at),
      deliveredAt: isoDate(r.delivered_at),
      readAt: isoDate(r.read_at),
      failedAt: isoDate(r.failed_at),
      updatedAt: isoDate(r.updated_at),
    }));
  }

  /** The contact's lists. */
  async listsOf(workspaceId: string, contactId: string) {
    const rows = await this.em.fork().execute<{ id: string; name: string; added_at: Date }[]>(
      `select l.id, l.name, m.added_at from contact_list_members m
       join contact_lists l on l.id = m.list_id
       where m.contact_id = ? and l.workspace_id = ? order by l.name`,
      [contactId, workspaceId],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, addedAt: isoDate(r.added_at) }));
  }

  /**
   * Erases the contact's personal data: the contact and its list memberships go, its number
   * and message variables are removed from every campaign's rows and uploaded audiences, while
   * each campaign's counts (by status and country) stay as they were; the messages it sent the
   * workspace are deleted. A suppression entry stays so the number is never messaged again.
   * Returns false when there is no such contact.
   */
  async erase(workspaceId: string, id: string): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const [contact] = await em.execute<{ phone: string }[]>(
        `delete from contacts where workspace_id = ? and id = ? returning phone`,
        [workspaceId, id],
      );
      if (!contact) return false;
      await em.execute(
        `update recipients r set phone = 'erased', variables = null, contact_id = null,
           error_message = case when status = 'pending' then 'the contact was erased' end,
           status = case when status = 'pending' then 'skipped' else status end
         where r.campaign_id in (select k.id from campaigns k where k.workspace_id = ?)
           and (r.contact_id = ? or r.phone = ?)`,
        [workspaceId, id, contact.phone],
      );
      await em.execute(
        `delete from inbound_messages where workspace_id = ? and (contact_id = ? or phone = ?)`,
        [workspaceId, id, contact.phone],
      );
      await em.execute(
        `delete from audience_members m using audiences a
         where a.id = m.audience_id and a.workspace_id = ? and m.phone = ?`,
        [workspaceId, contact.phone],
      );
      return true;
    });
  }
}
