import type { EntityManager } from '@mikro-orm/postgresql';
import { Audience } from '../entities/audience.entity.js';
import type { AudienceRow } from './campaign.repository.js';

export interface UploadedMember extends AudienceRow {
  values?: Record<string, string> | null;
  row?: number;
}

export interface MemberValues {
  row: number;
  phone: string;
  values: Record<string, string> | null;
}

/** Uploaded audiences, written in batches as the upload streams in. */
export class AudienceRepository {
  constructor(private readonly em: EntityManager) {}

  async create(id: string, workspaceId: string, name: string): Promise<void> {
    const em = this.em.fork();
    em.create(Audience, { id, workspace: workspaceId, name, status: 'uploading' });
    await em.flush();
  }

  /** Adds a batch; numbers already in the audience are skipped. Returns how many were new. */
  async append(id: string, rows: UploadedMember[]): Promise<number> {
    if (rows.length === 0) return 0;
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `insert into audience_members (audience_id, phone, country, variables, values, row)
       select ?, a.phone, a.country, a.variables, a.values, a.row
       from jsonb_to_recordset(?::jsonb)
         as a(phone text, country text, variables jsonb, values jsonb, row int)
       on conflict (audience_id, phone) do nothing`,
      [id, JSON.stringify(rows)],
      'run',
    );
    return res.affectedRows;
  }

  async finish(
    id: string,
    status: 'ready' | 'failed',
    counts: { members: number; duplicates: number; rejected: number },
  ): Promise<void> {
    await this.em.fork().execute(
      `update audiences set status = ?, members = ?, duplicates = ?, rejected = ?, completed_at = now()
       where id = ?`,
      [status, counts.members, counts.duplicates, counts.rejected, id],
    );
  }

  /** Members whose number of variables is not `expected`: how many, and the first few. */
  async variableMismatches(id: string, expected: number, limit: number) {
    const rows = await this.em.fork().execute<{ phone: string; given: number; total: string }[]>(
      `select phone, jsonb_array_length(coalesce(variables, '[]'::jsonb)) as given,
              count(*) over () as total
       from audience_members
       where audience_id = ? and jsonb_array_length(coalesce(variables, '[]'::jsonb)) <> ?
       order by phone limit ?`,
      [id, expected, limit],
    );
    return {
      total: Number(rows[0]?.total ?? 0),
      sample: rows.map((r) => ({ phone: r.phone, given: Number(r.given) })),
    };
  }

  /**
   * Members in upload order, a page at a time after `after` (a member's row; -1 first), so a
   * launch can check an audience of any size without holding it.
   */
  async valuesPage(id: string, after: number, limit: number): Promise<MemberValues[]> {
    return this.em.fork().execute<MemberValues[]>(
      `select row, phone, values from audience_members
       where audience_id = ? and row > ? order by row limit ?`,
      [id, after, limit],
    );
  }

  /** Members uploaded before rows and values by column were kept. */
  async membersWithoutRow(id: string): Promise<number> {
    const [r] = await this.em
      .fork()
      .execute<{ n: string }[]>(
        `select count(*) as n from audience_members where audience_id = ? and row is null`,
        [id],
      );
    return Number(r?.n ?? 0);
  }

  findInWorkspace(workspaceId: string, id: string): Promise<Audience | null> {
    return this.em.fork().findOne(Audience, { id, workspace: workspaceId });
  }
}
