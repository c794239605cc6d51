import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError, roleAllows, type Role } from '#libs/domain';
import { IdentityRepository } from '#libs/persistence';
import type { Principal } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { ROLE_KEY } from './roles.decorator.js';

export const API_KEY_HEADER = 'x-api-key';

/**
 * The global guard: denies by default. A route is open only when marked @Public(); otherwise
 * the caller proves who they are with an API key (`X-API-Key`) or a bearer access token, and
 * must hold at least the role the route declares with @Roles(); a route that declares none is
 * refused to everyone.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly identity: IdentityRepository,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: Principal }>();
    const apiKey = req.headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      req.user = await this.apiKeyPrincipal(apiKey);
    } else {
      await super.canActivate(ctx);
    }
    const needed = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets);
    const principal = req.user as Principal;
    if (!needed) throw new DomainError('forbidden', 'this route is not open to any role');
    if (!roleAllows(principal.role, needed)) {
      throw new DomainError('forbidden', `this needs the ${needed} role`, {
        role: principal.role,
        needed,
      });
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err instanceof Error) throw err;
    if (!user) {
      const reason = info instanceof Error ? info.message : 'no bearer token';
      throw new DomainError('unauthorized', 'a valid access token or API key is required', [
        { field: 'authorization', reason },
      ]);
    }
    return user;
  }

  private async apiKeyPrincipal(header: string | string[]): Promise<Principal> {
    const key = Array.isArray(header) ? undefined : header;
    const found =
      key && /^wak_[A-Za-z0-9_-]{20,100}$/.test(key)
        ? await this.identity.authenticateApiKey(key)
        : null;
    if (!found) {
      throw new DomainError('unauthorized', 'the API key is not valid', [
        { field: API_KEY_HEADER, reason: 'unknown or revoked key' },
      ]);
    }
    return {
      kind: 'apiKey',
      subject: `apikey:${found.name}`,
      id: found.id,
      workspaceId: found.workspaceId,
      role: found.role,
    };
  }
}
