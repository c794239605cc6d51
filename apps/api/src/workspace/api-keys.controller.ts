import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { DomainError, ROLES, safeText } from '#libs/domain';
import { IdentityRepository, SecurityRepository } from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const createKeySchema = z.strictObject({
  name: safeText().trim().min(1).max(200),
  role: z.enum(ROLES),
});

/**
 * API keys for machine clients: each has a role, is shown once when created, is stored only as
 * a hash, records when it was last used, and can be revoked.
 */
@ApiTags('api keys')
@Roles('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly identity: IdentityRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: "The workspace's API keys (never the keys themselves)" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { apiKeys: await this.identity.apiKeysOf(principal.workspaceId) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create an API key; the key is in this answer only (send it as X-API-Key)',
  })
  @ApiBody({ schema: openApiSchema(createKeySchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createKeySchema)) body: z.infer<typeof createKeySchema>,
    @Req() req: Request,
  ) {
    const key = `wak_${randomBytes(32).toString('base64url')}`;
    const created = await this.identity.createApiKey(
      principal.workspaceId,
      body.name,
      body.role,
      key,
      principal.subject,
    );
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'api_key.created',
      target: created.id,
      ip: clientAddress(req),
      details: { name: body.name, role: body.role, prefix: created.prefix },
    });
    return { ...created, key };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key at once' })
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(z.uuid(), 'id')) id: string,
    @Req() req: Request,
  ) {
    if (!(await this.identity.revokeApiKey(principal.workspaceId, id))) {
      throw new DomainError('not_found', `no active API key ${id}`);
    }
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'api_key.revoked',
      target: id,
      ip: clientAddress(req),
    });
  }
}
