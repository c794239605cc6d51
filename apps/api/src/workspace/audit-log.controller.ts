import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SecurityRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const pageSchema = z.strictObject({
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The workspace's security events, newest first, for admins. */
@ApiTags('audit log')
@Roles('admin')
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(private readonly security: SecurityRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'Sign-ins, failures, token reuse, role, key and credential changes, launches, pauses and cancels',
  })
  @ApiQuery({ name: 'before', required: false, description: 'events older than this id' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(pageSchema, 'query')) query: z.infer<typeof pageSchema>,
  ) {
    const events = await this.security.auditPage(
      principal.workspaceId,
      query.before ?? null,
      query.limit,
    );
    return {
      events,
      nextBefore: events.length === query.limit ? events[events.length - 1].id : null,
    };
  }
}
