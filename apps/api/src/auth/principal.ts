import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

export type Role = 'admin' | 'operator' | 'viewer';

/** Who is calling, taken from the verified access token. */
export interface Principal {
  subject: string;
  tenantId: string;
  role: Role;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
