import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { hash, verify } from '@node-rs/bcrypt';
import { DomainError, type Role } from '#libs/domain';
import {
  IdentityRepository,
  LOGIN_THROTTLE,
  SecurityRepository,
  type UserRecord,
} from '#libs/persistence';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import type { AccessClaims } from './access-token.js';
import { passwordWeakness } from './password-policy.js';

/** bcrypt's cost factor for every password hash. */
export const BCRYPT_COST = 12;

/** A sign-in's tokens: a short-lived access token and the refresh token that renews it. */
export interface Session {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  /** Binds cookie-carried refresh tokens to this session (double-submit CSRF token). */
  csrfToken: string;
  user: { id: string; email: string; role: Role; workspaceId: string };
}

export class TooManyAttempts extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many failed sign-ins');
  }
}

const refreshTokenValue = () => `wrt_${randomBytes(32).toString('base64url')}`;

/**
 * Sign-in, token rotation and sign-out. Every refresh token belongs to a family started by one
 * sign-in; using one rotates it, and using one that was already used (a stolen copy) revokes
 * the whole family. Failed sign-ins are counted per account and per client address, locked
 * out with growing delays, and audited.
 */
@Injectable()
export class AuthService {
  /** A real hash to verify against when the account does not exist, so timing tells nothing. */
  private readonly decoy = hash(randomUUID(), { cost: BCRYPT_COST });

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly jwt: JwtService,
    private readonly identity: IdentityRepository,
    private readonly security: SecurityRepository,
  ) {}

  /**
   * Signs in with an e-mail and password. The same e-mail may have an account in several
   * workspaces: the password is tried against each of them (at once, so the answer takes about
   * one verification's time), and when it opens more than one, the sign-in must name the
   * workspace. Nothing in a failed answer says whether or where the e-mail is registered.
   */
  async login(email: string, password: string, ip: string, workspaceId?: string): Promise<Session> {
    const keys = [
      { key: `account:${email.toLowerCase()}`, free: LOGIN_THROTTLE.freePerAccount },
      { key: `ip:${ip}`, free: LOGIN_THROTTLE.freePerAddress },
    ];
    const locked = await this.security.lockedFor(keys.map((k) => k.key));
    if (locked > 0) throw new TooManyAttempts(locked);
    const accounts = await this.identity.usersByEmail(email, workspaceId);
    const matches = accounts.length
      ? await Promise.all(accounts.map((a) => verify(password, a.passwordHash)))
      : [await verify(password, await this.decoy)];
    const opened = accounts.filter((a, i) => matches[i] && !a.disabled);
    if (opened.length === 0) {
      const lock = await this.security.recordFailure(keys);
      const reason = !accounts.length
        ? 'unknown account'
        : accounts.some((a, i) => matches[i] && a.disabled)
          ? 'disabled'
          : 'password';
      await this.security.audit({
        workspaceId: accounts.length === 1 ? accounts[0].workspaceId : null,
        actor: email.toLowerCase(),
        action: 'auth.login_failed',
        ip,
        details: { reason },
      });
      if (lock > 0) throw new TooManyAttempts(lock);
      throw new DomainError('unauthorized', 'wrong e-mail or password');
    }
    if (opened.length > 1) {
      throw new DomainError(
        'validation_failed',
        'this e-mail and password sign in to several workspaces: name one',
        [{ field: 'workspaceId', reason: `one of ${opened.map((a) => a.workspaceId).join(', ')}` }],
      );
    }
    const [user] = opened;
    // Only the account's count restarts: a sign-in must not reset the address's count.
    await this.security.clearFailures([keys[0].key]);
    await this.security.audit({
      workspaceId: user.workspaceId,
      actor: user.email,
      action: 'auth.login',
      ip,
    });
    return this.startSession(user);
  }

  /** Rotates a refresh token; a reused one revokes its family and is audited. */
  async refresh(token: string, ip: string, csrf?: { given: string | undefined }): Promise<Session> {
    if (csrf) await this.checkCsrf(token, csrf.given);
    const used = await this.identity.useRefreshToken(token);
    if (used.kind === 'invalid') {
      throw new DomainError('unauthorized', 'the refresh token is not valid');
    }
    const user = await this.identity.userById(used.userId);
    if (used.kind === 'reused') {
      await this.identity.revokeFamily(used.familyId);
      await this.security.audit({
        workspaceId: user?.workspaceId ?? null,
        actor: user?.email ?? used.userId,
        action: 'auth.refresh_reuse',
        ip,
        details: { family: used.familyId },
      });
      throw new DomainError(
        'unauthorized',
        'this refresh token was already used: every session of its sign-in is revoked',
      );
    }
    if (!user || user.disabled) {
      throw new DomainError('unauthorized', 'the account no longer exists or is disabled');
    }
    return this.issue(user, used.familyId);
  }

  async logout(token: string, ip: string, csrf?: { given: string | undefined }): Promise<void> {
    if (csrf) await this.checkCsrf(token, csrf.given);
    const family = await this.identity.familyOf(token);
    if (!family) return;
    await this.identity.revokeFamily(family);
    await this.security.audit({
      workspaceId: null,
      actor: 'session',
      action: 'auth.logout',
      ip,
      details: { family },
    });
  }

  /** Ends the session a browser still holds (its cookie) when it signs in again. */
  async endFamilyOf(token: string): Promise<void> {
    const family = await this.identity.familyOf(token);
    if (family) await this.identity.revokeFamily(family);
  }

  async createUser(
    workspaceId: string,
    email: string,
    password: string,
    role: Role,
  ): Promise<UserRecord> {
    const weakness = await passwordWeakness(password, email);
    if (weakness) {
      throw new DomainError('validation_failed', 'the password is not strong enough', [
        { field: 'password', reason: weakness },
      ]);
    }
    // Unique within the workspace only: an e-mail registered elsewhere is not this one's business.
    const taken = () =>
      new DomainError('conflict', 'a user of this workspace already has this e-mail', [
        { field: 'email', reason: 'already a user of this workspace' },
      ]);
    if ((await this.identity.usersByEmail(email, workspaceId)).length) throw taken();
    const passwordHash = await hash(password, { cost: BCRYPT_COST });
    return this.identity
      .createUser(workspaceId, email, passwordHash, role)
      .catch((err: unknown) => {
        if (err instanceof UniqueConstraintViolationException) throw taken();
        throw err;
      });
  }

  async changePassword(userId: string, current: string, next: string, ip: string) {
    const user = await this.identity.userById(userId);
    if (!user || !(await verify(current, user.passwordHash))) {
      throw new DomainError('validation_failed', 'the current password is wrong', [
        { field: 'currentPassword', reason: 'does not match' },
      ]);
    }
    const weakness = await passwordWeakness(next, user.email);
    if (weakness) {
      throw new DomainError('validation_failed', 'the new password is not strong enough', [
        { field: 'newPassword', reason: weakness },
      ]);
    }
    await this.identity.setPassword(user.id, await hash(next, { cost: BCRYPT_COST }));
    // Every session signed in with the old password ends.
    await this.identity.revokeUserTokens(user.id);
    await this.security.audit({
      workspaceId: user.workspaceId,
      actor: user.email,
      action: 'auth.password_changed',
      ip,
    });
  }

  /** The CSRF token for a cookie session: an HMAC of its family, so it cannot be forged. */
  csrfTokenFor(familyId: string): string {
    return createHmac('sha256', this.config.JWT_SECRET)
      .update(`csrf:${familyId}`)
      .digest('base64url');
  }

  private async checkCsrf(token: string, given: string | undefined): Promise<void> {
    const family = await this.identity.familyOf(token);
    const expected = family ? Buffer.from(this.csrfTokenFor(family)) : null;
    const actual = Buffer.from(given ?? '');
    if (!expected || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new DomainError('forbidden', 'missing or wrong CSRF token', [
        { field: 'x-csrf-token', reason: 'must repeat the csrf cookie of this session' },
      ]);
    }
  }

  private startSession(user: UserRecord): Promise<Session> {
    return this.issue(user, randomUUID());
  }

  private async issue(user: UserRecord, familyId: string): Promise<Session> {
    const refreshToken = refreshTokenValue();
    await this.identity.issueRefreshToken(
      user.id,
      familyId,
      refreshToken,
      this.config.REFRESH_TTL_SECONDS * 1000,
    );
    const claims: Omit<AccessClaims, 'iat' | 'exp' | 'iss' | 'aud'> = {
      sub: user.id,
      ws: user.workspaceId,
      email: user.email,
      role: user.role,
      typ: 'access',
    };
    const accessToken = await this.jwt.signAsync(claims, {
      algorithm: 'HS256',
      expiresIn: this.config.JWT_TTL_SECONDS,
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.JWT_TTL_SECONDS,
      refreshToken,
      csrfToken: this.csrfTokenFor(familyId),
      user: { id: user.id, email: user.email, role: user.role, workspaceId: user.workspaceId },
    };
  }
}
