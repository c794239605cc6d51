import type { EntityManager } from '@mikro-orm/postgresql';
import { Audience } from '../entities/audience.entity.js';
import type { AudienceRow } from './campaign.repository.js';

/** Uploaded audiences, written in batches as the upload streams in. */
export class AudienceRepository {
  constructor(private readonly em: EntityManager) {}

  async create(id: string, workspaceId: string, name: string): Promise<void> {
    const em = this.em.fork();
    em.create(Audience, { id, workspace: workspaceId, name, status: 'uploading' });
    await em.flush();
  }

  /** Adds a batch; numbers already in the audience are skipped. Returns how many were new. */
  async append(id: string, rows: AudienceRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `insert into audience_members (audience_id, phone, country, variables)
       select ?, a.phone, a.country, a.variables
       from jsonb_to_recordset(?::jsonb) as a(phone text, country text, variables jsonb)
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

  findInWorkspace(workspaceId: string, id: string): Promise<Audience | null> {
    return this.em.fork().findOne(Audience, { id, workspace: workspaceId });
  }
}
