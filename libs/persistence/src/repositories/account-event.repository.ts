import type { EntityManager } from '@mikro-orm/postgresql';

export interface NewAccountEvent {
  workspaceId: string;
  wabaId: string | null;
  field: string;
  event: string;
  templateName?: string | null;
  templateLanguage?: string | null;
  metaTemplateId?: string | null;
  displayPhoneNumber?: string | null;
  details: Record<string, unknown>;
  effects: Record<string, unknown>;
}

export interface AccountEventFilter {
  field?: string;
  event?: string;
  templateName?: string;
  templateLanguage?: string;
  /** Events older than this id (the previous page's last). */
  before?: number;
  limit: number;
}

interface Row {
  id: string;
  waba_id: string | null;
  field: string;
  event: string;
  template_name: string | null;
  template_language: string | null;
  meta_template_id: string | null;
  display_phone_number: string | null;
  details: Record<string, unknown>;
  effects: Record<string, unknown>;
  received_at: Date;
}

const view = (r: Row) => ({
  id: Number(r.id),
  wabaId: r.waba_id,
  field: r.field,
  event: r.event,
  template:
    r.template_name === null
      ? null
      : { name: r.template_name, language: r.template_language, metaId: r.meta_template_id },
  displayPhoneNumber: r.display_phone_number,
  details: r.details,
  effects: r.effects,
  receivedAt: r.received_at,
});
export type AccountEventView = ReturnType<typeof view>;

/** Meta's account webhook events per workspace, newest first, with what the engine did. */
export class AccountEventRepository {
  constructor(private readonly em: EntityManager) {}

  async record(e: NewAccountEvent): Promise<number> {
    const [row] = await this.em.fork().execute<{ id: string }[]>(
      `insert into account_events (workspace_id, waba_id, field, event, template_name,
         template_language, meta_template_id, display_phone_number, details, effects)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
      [
        e.workspaceId,
        e.wabaId,
        e.field.slice(0, 64),
        e.event.slice(0, 64),
        e.templateName?.slice(0, 512) ?? null,
        e.templateLanguage?.slice(0, 32) ?? null,
        e.metaTemplateId?.slice(0, 64) ?? null,
        e.displayPhoneNumber?.slice(0, 32) ?? null,
        JSON.stringify(e.details),
        JSON.stringify(e.effects),
      ],
    );
    return Number(row.id);
  }

  async page(workspaceId: string, f: AccountEventFilter): Promise<AccountEventView[]> {
    const rows = await this.em.fork().execute<Row[]>(
      `select id, waba_id, field, event, template_name, template_language, meta_template_id,
         display_phone_number, details, effects, received_at
       from account_events
       where workspace_id = ?
         and (?::text is null or field = ?) and (?::text is null or event = ?)
         and (?::text is null or template_name = ?) and (?::text is null or template_language = ?)
         and (?::bigint is null or id < ?::bigint)
       order by id desc limit ?`,
      [
        workspaceId,
        f.field ?? null,
        f.field ?? null,
        f.event ?? null,
        f.event ?? null,
        f.templateName ?? null,
        f.templateName ?? null,
        f.templateLanguage ?? null,
        f.templateLanguage ?? null,
        f.before ?? null,
        f.before ?? null,
        f.limit,
      ],
    );
    return rows.map(view);
  }
}
