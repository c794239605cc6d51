import type { EntityManager } from '@mikro-orm/postgresql';
import type { SuppressionReason } from '#libs/domain';

export interface SuppressionEntry {
  phone: string;
  reason: SuppressionReason;
  detail?: string | null;
}

/**
 * The suppression list: numbers that opted out. Adding one also withdraws the number's rows
 * that no campaign has sent yet (they become `skipped` with the reason), so an opt-out takes
 * effect in campaigns already running, not only in the next launch.
 */
export class SuppressionRepository {
  constructor(private readonly em: EntityManager) {}

  /** Adds the numbers (a number already listed keeps its first reason); returns those new. */
  async suppress(workspaceId: string, entries: SuppressionEntry[]): Promise<string[]> {
    if (entries.length === 0) return [];
    return this.em.fork().transactional(async (em) => {
      const added = await em.execute<{ phone: string }[]>(
        `insert into suppressions (workspace_id, phone, reason, detail)
         select distinct on (a.phone) ?, a.phone, a.reason, a.detail
         from jsonb_to_recordset(?::jsonb) as a(phone text, reason text, detail text)
         on conflict do nothing returning phone`,
        [
          workspaceId,
          JSON.stringify(
            entries.map((e) => ({ phone: e.phone, reason: e.reason, detail: e.detail ?? null })),
          ),
        ],
      );
      const phones = added.map((a) => a.phone);
      if (phones.length) await this.withdraw(em, workspaceId, phones);
      return phones;
    });
  }

  private async withdraw(em: EntityManager, workspaceId: string, phones: string[]) {
    await em.execute(
      `update recipients r set status = 'skipped', updated_at = now(),
         error_message = 'opted out (' || s.reason || ')'
       from suppressions s, campaigns k
       where r.phone = any(array(select jsonb_array_elements_text(?::jsonb))) and r.status = 'pending'
         and s.workspace_id = ? and s.phone = r.phone
         and k.id = r.campaign_id and k.workspace_id = ?`,
      [JSON.stringify(phones), workspaceId, workspaceId],
    );
  }

  /** Removes a number; `onlyReason` limits it to entries of that reason. Returns whether one went. */
  async remove(workspaceId: string, phone: string, onlyReason?: SuppressionReason) {
    const rows = await this.em
      .fork()
      .execute(
        `delete from suppressions where workspace_id = ? and phone = ? and (?::text is null or reason = ?::text) returning phone`,
        [workspaceId, phone, onlyReason ?? null, onlyReason ?? null],
      );
    return rows.length > 0;
  }

  async find(workspaceId: string, phone: string) {
    const [row] = await this.em
      .fork()
      .execute<
        { phone: string; reason: SuppressionReason; detail: string | null; created_at: Date }[]
      >(
        `select phone, reason, detail, created_at from suppressions where workspace_id = ? and phone = ?`,
        [workspaceId, phone],
      );
    return row
      ? { phone: row.phone, reason: row.reason, detail: row.detail, at: new Date(row.created_at) }
      : null;
  }

  /** A page in number order after `afterPhone`. */
  async page(
    workspaceId: string,
    reason: SuppressionReason | undefined,
    afterPhone: string | null,
    limit: number,
  ) {
    const rows = await this.em
      .fork()
      .execute<
        { phone: string; reason: SuppressionReason; detail: string | null; created_at: Date }[]
      >(
        `select phone, reason, detail, created_at from suppressions
       where workspace_id = ? and (?::text is null or phone > ?::text)
         and (?::text is null or reason = ?::text)
       order by phone limit ?`,
        [workspaceId, afterPhone, afterPhone, reason ?? null, reason ?? null, limit],
      );
    return rows.map((r) => ({
      phone: r.phone,
      reason: r.reason,
      detail: r.detail,
      at: new Date(r.created_at),
    }));
  }
}
