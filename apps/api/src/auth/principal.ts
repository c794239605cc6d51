import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '#libs/domain';

export type { Role };

/** Who is calling: a user (access token) or a machine client (API key), in one workspace. */
export interface Principal {
  kind: 'user' | 'apiKey';
  /** The user's e-mail, or `apikey:<name>`: what audit lines and pause actors show. */
  subject: string;
  /** The user or API key id. */
  id: string;
  workspaceId: string;
  role: Role;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ user: Principal }>().user,
);
