import { Body, Controller, Get, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { DomainError, ROLES, safeText } from '#libs/domain';
import { IdentityRepository, SecurityRepository } from '#libs/persistence';
import { AuthService } from '../auth/auth.service.js';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const createUserSchema = z.strictObject({
  email: z.email().max(320),
  password: safeText().min(1).max(256),
  role: z.enum(ROLES),
});
const updateUserSchema = z
  .strictObject({ role: z.enum(ROLES), disabled: z.boolean() })
  .partial()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, {
    message: 'give role, disabled, or both',
  });

/** The workspace's users: admins add them, change their role, and disable them. */
@ApiTags('users')
@Roles('admin')
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly auth: AuthService,
    private readonly identity: IdentityRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: "The workspace's users and their roles" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { users: await this.identity.usersOf(principal.workspaceId) };
  }

  @Post()
  @ApiOperation({ summary: 'Add a user (password: 12+ characters, not a common one)' })
  @ApiBody({ schema: openApiSchema(createUserSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createUserSchema)) body: z.infer<typeof createUserSchema>,
    @Req() req: Request,
  ) {
    const user = await this.auth.createUser(
      principal.workspaceId,
      body.email,
      body.password,
      body.role,
    );
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'user.created',
      target: user.email,
      ip: clientAddress(req),
      details: { role: user.role },
    });
    return { id: user.id, email: user.email, role: user.role };
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's role, or disable (and sign out) or enable them" })
  @ApiBody({ schema: openApiSchema(updateUserSchema) })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(z.uuid(), 'id')) id: string,
    @Body(new ZodValidationPipe(updateUserSchema)) body: z.infer<typeof updateUserSchema>,
    @Req() req: Request,
  ) {
    const result = await this.identity.updateUser(principal.workspaceId, id, body);
    if (result.kind === 'not_found') throw new DomainError('not_found', `user ${id} not found`);
    if (result.kind === 'last_admin') {
      throw new DomainError('conflict', 'the workspace must keep at least one active admin');
    }
    const { before, after } = result;
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: body.role && body.role !== before.role ? 'user.role_changed' : 'user.updated',
      target: after.email,
      ip: clientAddress(req),
      details: { from: { role: before.role, disabled: before.disabled }, to: body },
    });
    return { id: after.id, email: after.email, role: after.role, disabled: after.disabled };
  }
}
