import type { EntityManager } from '@mikro-orm/postgresql';

export interface AuditEntry {
  workspaceId: string | null;
  actor: string;
  action: string;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/**
 * How failed logins are throttled: an account after 5 failures in 15 minutes, a client address
 * after 50 (it may serve many people); then locked 30 s, doubling, at most 15 minutes.
 */
export const LOGIN_THROTTLE = {
  freePerAccount: 5,
  freePerAddress: 50,
  windowMs: 15 * 60_000,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
};

/** The audit log (append-only) and the failed-login counters. */
export class SecurityRepository {
  constructor(private readonly em: EntityManager) {}

  async audit(entry: AuditEntry): Promise<void> {
    await this.em
      .fork()
      .execute(
        `insert into audit_log (workspace_id, actor, action, target, ip, details) values (?, ?, ?, ?, ?, ?)`,
        [
          entry.workspaceId,
          entry.actor.slice(0, 320),
          entry.action,
          entry.target?.slice(0, 320) ?? null,
          entry.ip?.slice(0, 64) ?? null,
          entry.details ? JSON.stringify(entry.details) : null,
        ],
      );
  }

  async auditPage(workspaceId: string, before: number | null, limit: number) {
    const rows = await this.em.fork().execute<
      {
        id: string;
        at: Date;
        actor: string;
        action: string;
        target: string | null;
        ip: string | null;
        details: unknown;
      }[]
    >(
      `select id, at, actor, action, target, ip, details from audit_log
       where workspace_id = ? and (?::bigint is null or id < ?::bigint)
       order by id desc limit ?`,
      [workspaceId, before, before, limit],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Seconds a key is still locked for, or 0. */
  async lockedFor(keys: string[]): Promise<number> {
    const [row] = await this.em.fork().execute<{ seconds: number | null }[]>(
      `select ceil(extract(epoch from max(locked_until) - now())) as seconds from login_failures
       where key in (select jsonb_array_elements_text(?::jsonb)) and locked_until > now()`,
      [JSON.stringify(keys)],
    );
    return Math.max(0, Number(row?.seconds ?? 0));
  }

  /**
   * Counts a failure on each key, each with the failures it is allowed before it locks; returns
   * the longest lock now in force (seconds).
   */
  async recordFailure(keys: { key: string; free: number }[]): Promise<number> {
    const t = LOGIN_THROTTLE;
    const em = this.em.fork();
    let longest = 0;
    for (const { key, free } of keys) {
      const [row] = await em.execute<{ failures: number }[]>(
        `insert into login_failures as f (key, failures, first_at) values (?, 1, now())
         on conflict (key) do update set
           failures = case when f.first_at < now() - ? * interval '1 millisecond'
                      then 1 else f.failures + 1 end,
           first_at = case when f.first_at < now() - ? * interval '1 millisecond'
                      then now() else f.first_at end
         returning failures`,
        [key, t.windowMs, t.windowMs],
      );
      const over = (row?.failures ?? 0) - free;
      if (over <= 0) continue;
      const lockMs = Math.min(t.maxLockMs, t.baseLockMs * 2 ** (over - 1));
      await em.execute(
        `update login_failures set locked_until = now() + ? * interval '1 millisecond' where key = ?`,
        [lockMs, key],
      );
      longest = Math.max(longest, Math.ceil(lockMs / 1000));
    }
    return longest;
  }

  async clearFailures(keys: string[]): Promise<void> {
    await this.em
      .fork()
      .execute(
        `delete from login_failures where key in (select jsonb_array_elements_text(?::jsonb))`,
        [JSON.stringify(keys)],
      );
  }
}
