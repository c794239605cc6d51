import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DomainError } from '#libs/domain';
import { IdentityRepository } from '#libs/persistence';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { accessClaimsSchema } from './access-token.js';
import type { Principal } from './principal.js';

/**
 * Bearer access tokens: HS256 only, signed with JWT_SECRET, issuer and audience checked by
 * passport-jwt; then every claim is checked with zod (`exp` required, types and shapes exact),
 * and the user must still exist in that workspace and be enabled. The role comes from the
 * database, so a demotion or a disabled account takes effect on the next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly identity: IdentityRepository,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.JWT_SECRET,
      algorithms: ['HS256'],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(payload: unknown): Promise<Principal> {
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new DomainError('unauthorized', 'the access token has invalid claims', [
        ...claims.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })),
      ]);
    }
    const user = await this.identity.userById(claims.data.sub);
    if (!user || user.disabled || user.workspaceId !== claims.data.ws) {
      throw new DomainError('unauthorized', 'the account no longer exists or is disabled');
    }
    return {
      kind: 'user',
      subject: user.email,
      id: user.id,
      workspaceId: user.workspaceId,
      role: user.role,
    };
  }
}
