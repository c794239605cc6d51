import type { EntityManager } from '@mikro-orm/postgresql';

/** How long a key is remembered: a repeat after that runs again. */
export const IDEMPOTENCY_TTL_HOURS = 24;

export type IdempotencyClaim =
  | { kind: 'new' }
  | { kind: 'in_progress' }
  | { kind: 'done'; requestHash: string | null; statusCode: number; response: unknown };

/**
 * First answers to POSTs sent with an Idempotency-Key, per workspace. A key is claimed before the
 * request runs (so a concurrent repeat sees it in progress), completed with the answer, or
 * released when the request failed so the client may try again with the same key.
 */
export class IdempotencyRepository {
  constructor(private readonly em: EntityManager) {}

  async claim(
    workspaceId: string,
    key: string,
    requestHash: string | null,
  ): Promise<IdempotencyClaim> {
    const em = this.em.fork();
    await em.execute(
      `delete from idempotency_keys where workspace_id = ? and key = ?
         and created_at < now() - ? * interval '1 hour'`,
      [workspaceId, key, IDEMPOTENCY_TTL_HOURS],
    );
    const inserted = await em.execute<{ key: string }[]>(
      `insert into idempotency_keys (workspace_id, key, request_hash) values (?, ?, ?)
       on conflict do nothing returning key`,
      [workspaceId, key, requestHash],
    );
    if (inserted.length) return { kind: 'new' };
    const [row] = await em.execute<
      { request_hash: string | null; status_code: number | null; response: unknown }[]
    >(
      `select request_hash, status_code, response from idempotency_keys
       where workspace_id = ? and key = ?`,
      [workspaceId, key],
    );
    if (!row || row.status_code === null) return { kind: 'in_progress' };
    return {
      kind: 'done',
      requestHash: row.request_hash,
      statusCode: row.status_code,
      response: row.response,
    };
  }

  async complete(
    workspaceId: string,
    key: string,
    requestHash: string,
    statusCode: number,
    response: unknown,
  ): Promise<void> {
    await this.em.fork().execute(
      `update idempotency_keys set request_hash = ?, status_code = ?, response = ?
       where workspace_id = ? and key = ?`,
      [requestHash, statusCode, JSON.stringify(response ?? null), workspaceId, key],
    );
  }

  async release(workspaceId: string, key: string): Promise<void> {
    await this.em
      .fork()
      .execute(`delete from idempotency_keys where workspace_id = ? and key = ?`, [
        workspaceId,
        key,
      ]);
  }
}
