import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '#libs/domain';
import { ApiKey, RefreshToken, User, Workspace } from '../entities/identity.entity.js';

/** How many workspaces' accounts one sign-in tries its password against, at most. */
export const MAX_ACCOUNTS_PER_EMAIL = 20;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface UserRecord {
  id: string;
  workspaceId: string;
  email: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
}

const toUser = (u: User): UserRecord => ({
  id: u.id,
  workspaceId: u.workspace.id,
  email: u.email,
  passwordHash: u.passwordHash,
  role: u.role,
  disabled: u.disabledAt != null,
});

/** Workspaces, users, refresh-token families and API keys. Lookups by secret go by hash only. */
export class IdentityRepository {
  constructor(private readonly em: EntityManager) {}

  async createWorkspace(name: string): Promise<string> {
    const em = this.em.fork();
    const workspace = em.create(Workspace, { id: randomUUID(), name });
    await em.flush();
    return workspace.id;
  }

  async removeWorkspace(id: string): Promise<void> {
    await this.em.fork().nativeDelete(Workspace, { id });
  }

  async createUser(
    workspaceId: string,
    email: string,
    passwordHash: string,
    role: Role,
  ): Promise<UserRecord> {
    const em = this.em.fork();
    const user = em.create(User, {
      id: randomUUID(),
      workspace: em.getReference(Workspace, workspaceId),
      email: email.toLowerCase(),
      passwordHash,
      role,
    });
    await em.flush();
    return toUser(user);
  }

  /**
   * The accounts an e-mail has, oldest first: one per workspace it was registered in, or only
   * the one of `workspaceId` when that is given.
   */
  async usersByEmail(email: string, workspaceId?: string): Promise<UserRecord[]> {
    const users = await this.em
      .fork()
      .find(
        User,
        { email: email.toLowerCase(), ...(workspaceId ? { workspace: workspaceId } : {}) },
        { orderBy: { createdAt: 'asc', id: 'asc' }, limit: MAX_ACCOUNTS_PER_EMAIL },
      );
    return users.map(toUser);
  }

  async userById(id: string): Promise<UserRecord | null> {
    const user = await this.em.fork().findOne(User, { id });
    return user ? toUser(user) : null;
  }

  async usersOf(workspaceId: string) {
    const users = await this.em
      .fork()
      .find(User, { workspace: workspaceId }, { orderBy: { createdAt: 'asc' } });
    return users.map((u) => ({
      id: u.id,
      email: u.email,
      role: u.role,
      createdAt: u.createdAt,
      disabledAt: u.disabledAt ?? null,
    }));
  }

  /**
   * Changes a user of the workspace, unless that would leave it without an active admin. The
   * workspace row is locked for the check and the change, so two concurrent demotions of its last
   * two admins are decided one after the other and the second is refused.
   */
  async updateUser(
    workspaceId: string,
    id: string,
    change: { role?: Role; disabled?: boolean },
  ): Promise<
    | { kind: 'updated'; before: UserRecord; after: UserRecord }
    | { kind: 'not_found' }
    | { kind: 'last_admin' }
  > {
    const result = await this.em.fork().transactional(async (em) => {
      await em.execute(`select 1 from workspaces where id = ? for update`, [workspaceId]);
      const user = await em.findOne(User, { id, workspace: workspaceId });
      if (!user) return { kind: 'not_found' as const };
      const before = toUser(user);
      const losesAdmin =
        before.role === 'admin' &&
        !before.disabled &&
        ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
      if (
        losesAdmin &&
        (await em.count(User, { workspace: workspaceId, role: 'admin', disabledAt: null })) <= 1
      ) {
        return { kind: 'last_admin' as const };
      }
      if (change.role) user.role = change.role;
      if (change.disabled !== undefined) user.disabledAt = change.disabled ? new Date() : null;
      await em.flush();
      return { kind: 'updated' as const, before, after: toUser(user) };
    });
    if (result.kind === 'updated' && change.disabled) await this.revokeUserTokens(id);
    return result;
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.em.fork().nativeUpdate(User, { id }, { passwordHash });
  }

  async workspaceByName(name: string): Promise<{ id: string; users: number } | null> {
    const [row] = await this.em.fork().execute<{ id: string; users: string }[]>(
      `select w.id, (select count(*) from users u where u.workspace_id = w.id) as users
       from workspaces w where w.name = ? order by w.created_at limit 1`,
      [name],
    );
    return row ? { id: row.id, users: Number(row.users) } : null;
  }

  // --- refresh tokens ---

  async issueRefreshToken(userId: string, familyId: string, token: string, ttlMs: number) {
    const em = this.em.fork();
    em.create(RefreshToken, {
      id: randomUUID(),
      familyId,
      user: em.getReference(User, userId),
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + ttlMs),
    });
    await em.flush();
  }

  /**
   * Marks a refresh token used, atomically. `reused` when it had already been used or revoked:
   * a copy is in someone else's hands, and the caller revokes the family.
   */
  async useRefreshToken(
    token: string,
  ): Promise<
    | { kind: 'ok'; userId: string; familyId: string }
    | { kind: 'reused'; userId: string; familyId: string }
    | { kind: 'invalid' }
  > {
    return this.em.fork().transactional(async (em) => {
      const [row] = await em.execute<
        {
          user_id: string;
          family_id: string;
          used_at: Date | null;
          revoked_at: Date | null;
          expires_at: Date;
        }[]
      >(
        `select user_id, family_id, used_at, revoked_at, expires_at from refresh_tokens
         where token_hash = ? for update`,
        [sha256(token)],
      );
      if (!row) return { kind: 'invalid' as const };
      if (row.used_at || row.revoked_at) {
        return { kind: 'reused' as const, userId: row.user_id, familyId: row.family_id };
      }
      if (new Date(row.expires_at).getTime() <= Date.now()) return { kind: 'invalid' as const };
      await em.execute(`update refresh_tokens set used_at = now() where token_hash = ?`, [
        sha256(token),
      ]);
      return { kind: 'ok' as const, userId: row.user_id, familyId: row.family_id };
    });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.em
      .fork()
      .execute(
        `update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = ?`,
        [familyId],
      );
  }

  async familyOf(token: string): Promise<string | null> {
    const [row] = await this.em
      .fork()
      .execute<{ family_id: string }[]>(
        `select family_id from refresh_tokens where token_hash = ?`,
        [sha256(token)],
      );
    return row?.family_id ?? null;
  }

  async familyRevoked(familyId: string): Promise<boolean> {
    const [row] = await this.em
      .fork()
      .execute<{ revoked: boolean }[]>(
        `select bool_and(revoked_at is not null) as revoked from refresh_tokens where family_id = ?`,
        [familyId],
      );
    return row?.revoked ?? false;
  }

  async revokeUserTokens(userId: string): Promise<void> {
    await this.em
      .fork()
      .execute(
        `update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where user_id = ?`,
        [userId],
      );
  }

  // --- API keys ---

  async createApiKey(workspaceId: string, name: string, role: Role, key: string, by: string) {
    const em = this.em.fork();
    const row = em.create(ApiKey, {
      id: randomUUID(),
      workspace: em.getReference(Workspace, workspaceId),
      name,
      prefix: key.slice(0, 12),
      keyHash: sha256(key),
      role,
      createdBy: by,
    });
    await em.flush();
    return { id: row.id, name, prefix: row.prefix, role, createdAt: row.createdAt };
  }

  /** The active key with this secret, recording its use (at most once a minute). */
  async authenticateApiKey(
    key: string,
  ): Promise<{ id: string; workspaceId: string; name: string; role: Role } | null> {
    const [row] = await this.em
      .fork()
      .execute<{ id: string; workspace_id: string; name: string; role: Role }[]>(
        `update api_keys set last_used_at = now()
       where key_hash = ? and revoked_at is null
         and (last_used_at is null or last_used_at < now() - interval '1 minute')
       returning id, workspace_id, name, role`,
        [sha256(key)],
      );
    if (row) return { id: row.id, workspaceId: row.workspace_id, name: row.name, role: row.role };
    const found = await this.em.fork().findOne(ApiKey, { keyHash: sha256(key), revokedAt: null });
    return found
      ? { id: found.id, workspaceId: found.workspace.id, name: found.name, role: found.role }
      : null;
  }

  async apiKeysOf(workspaceId: string) {
    const keys = await this.em
      .fork()
      .find(ApiKey, { workspace: workspaceId }, { orderBy: { createdAt: 'asc' } });
    return keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      role: k.role,
      createdBy: k.createdBy,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt ?? null,
      revokedAt: k.revokedAt ?? null,
    }));
  }

  async revokeApiKey(workspaceId: string, id: string): Promise<boolean> {
    const res = await this.em
      .fork()
      .execute<{ affectedRows: number }>(
        `update api_keys set revoked_at = now() where id = ? and workspace_id = ? and revoked_at is null`,
        [id, workspaceId],
        'run',
      );
    return res.affectedRows === 1;
  }
}
