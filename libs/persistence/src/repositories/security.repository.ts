import type { EntityManager } from '@mikro-orm/postgresql';

export interface AuditEntry {
  workspaceId: string | null;
  actor: string;
  action: string;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** How failed logins are throttled: after 5 in 15 minutes, locked 30 s, doubling, at most 15 min. */
export const LOGIN_THROTTLE = {
  free: 5,
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

  /** Counts a failure on each key; returns the longest lock now in force (seconds). */
  async recordFailure(keys: string[]): Promise<number> {
    const t = LOGIN_THROTTLE;
    const rows = await this.em.fork().execute<{ seconds: number | null }[]>(
      `insert into login_failures as f (key, failures, first_at)
       select k, 1, now() from jsonb_array_elements_text(?::jsonb) as k
       on conflict (key) do update set
         failures = case when f.first_at < now() - ? * interval '1 millisecond' then 1 else f.failures + 1 end,
         first_at = case when f.first_at < now() - ? * interval '1 millisecond' then now() else f.first_at end,
         locked_until = case
           when (case when f.first_at < now() - ? * interval '1 millisecond' then 1 else f.failures + 1 end) > ?
           then now() + least(?, ? * power(2, (f.failures + 1) - ? - 1)) * interval '1 millisecond'
           else f.locked_until end
       returning ceil(extract(epoch from locked_until - now())) as seconds`,
      [
        JSON.stringify(keys),
        t.windowMs,
        t.windowMs,
        t.windowMs,
        t.free,
        t.maxLockMs,
        t.baseLockMs,
        t.free,
      ],
    );
    return Math.max(0, ...rows.map((r) => Number(r.seconds ?? 0)));
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
