import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

interface ListRecord {
  id: string;
  name: string;
  created_at: Date;
  members: string;
}
const view = (l: ListRecord) => ({
  id: l.id,
  name: l.name,
  members: Number(l.members),
  createdAt: new Date(l.created_at),
});
export type ContactListView = ReturnType<typeof view>;

const SELECT_LIST = `select l.id, l.name, l.created_at,
  (select count(*) from contact_list_members m where m.list_id = l.id) as members
  from contact_lists l`;

/** Contact lists, scoped to their workspace in every query. */
export class ContactListRepository {
  constructor(private readonly em: EntityManager) {}

  async create(workspaceId: string, name: string): Promise<ContactListView | null> {
    const rows = await this.em.fork().execute<ListRecord[]>(
      `insert into contact_lists (id, workspace_id, name) values (?, ?, ?)
       on conflict (workspace_id, name) do nothing
       returning id, name, created_at, 0 as members`,
      [randomUUID(), workspaceId, name],
    );
    return rows[0] ? view(rows[0]) : null;
  }

  async list(workspaceId: string): Promise<ContactListView[]> {
    const rows = await this.em
      .fork()
      .execute<ListRecord[]>(`${SELECT_LIST} where l.workspace_id = ? order by l.name`, [
        workspaceId,
      ]);
    return rows.map(view);
  }

  async get(workspaceId: string, id: string): Promise<ContactListView | null> {
    const [row] = await this.em
      .fork()
      .execute<ListRecord[]>(`${SELECT_LIST} where l.workspace_id = ? and l.id = ?`, [
        workspaceId,
        id,
      ]);
    return row ? view(row) : null;
  }

  /** The ids among `ids` that are lists of the workspace. */
  async existing(workspaceId: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.em
      .fork()
      .execute<{ id: string }[]>(
        `select id from contact_lists where workspace_id = ? and id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[])`,
        [workspaceId, JSON.stringify(ids)],
      );
    return rows.map((r) => r.id);
  }

  async remove(workspaceId: string, id: string): Promise<boolean> {
    const rows = await this.em
      .fork()
      .execute(`delete from contact_lists where workspace_id = ? and id = ? returning id`, [
        workspaceId,
        id,
      ]);
    return rows.length > 0;
  }

  /**
   * Adds the workspace's contacts named by id or number; returns how many joined and the
   * ids and numbers that name no contact of the workspace.
   */
  async addMembers(workspaceId: string, listId: string, contactIds: string[], phones: string[]) {
    const found = await this.em.fork().execute<{ id: string; phone: string }[]>(
      `select id, phone from contacts
       where workspace_id = ? and (id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[]) or phone = any(array(select jsonb_array_elements_text(?::jsonb))))`,
      [workspaceId, JSON.stringify(contactIds), JSON.stringify(phones)],
    );
    const added = found.length
      ? await this.em.fork().execute(
          `insert into contact_list_members (list_id, contact_id)
           select ?, x::uuid from jsonb_array_elements_text(?::jsonb) as x
           on conflict do nothing returning contact_id`,
          [listId, JSON.stringify(found.map((f) => f.id))],
        )
      : [];
    const ids = new Set(found.map((f) => f.id));
    const known = new Set(found.map((f) => f.phone));
    return {
      added: added.length,
      unknownContactIds: contactIds.filter((id) => !ids.has(id)),
      unknownPhones: phones.filter((p) => !known.has(p)),
    };
  }

  async removeMember(workspaceId: string, listId: string, contactId: string): Promise<boolean> {
    const rows = await this.em.fork().execute(
      `delete from contact_list_members m using contact_lists l
       where l.id = m.list_id and l.workspace_id = ? and m.list_id = ? and m.contact_id = ?
       returning m.contact_id`,
      [workspaceId, listId, contactId],
    );
    return rows.length > 0;
  }
}
