import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { DomainError } from '#libs/domain';
import type { Principal } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) {
      throw new DomainError('unauthorized', 'a bearer access token is required');
    }
    try {
      const claims = await this.jwt.verifyAsync<{
        sub: string;
        tenant: string;
        role: Principal['role'];
      }>(token, { algorithms: ['HS256'] });
      request.principal = { subject: claims.sub, tenantId: claims.tenant, role: claims.role };
      return true;
    } catch {
      throw new DomainError('unauthorized', 'the access token is invalid or expired');
    }
  }
}
