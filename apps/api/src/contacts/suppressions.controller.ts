import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import {
  addSuppressionSchema,
  DomainError,
  normalisePhone,
  SUPPRESSION_REASONS,
} from '#libs/domain';
import { SecurityRepository, SuppressionRepository } from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { nextCursor, pageCursor } from '../http/page-cursor.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { EnrolmentEvents } from '../sequences/enrolment-events.js';

const listQuery = z.strictObject({
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: pageCursor(z.strictObject({ phone: z.string().regex(/^\+\d{1,15}$/) })).optional(),
});

const e164 = (input: string, field: string) => {
  const phone = normalisePhone(input);
  if (!phone) {
    throw new DomainError('validation_failed', 'invalid phone number', [
      { field, reason: 'not a valid international phone number' },
    ]);
  }
  return phone.e164;
};

/**
 * The suppression list: numbers no campaign or sequence messages. Opt-outs arrive here from
 * inbound STOP messages, the opt-out button, error 131050 and Meta's `user_preferences`
 * webhook, or are added by hand.
 */
@ApiTags('contacts')
@Controller('v1/suppressions')
export class SuppressionsController {
  constructor(
    private readonly suppressions: SuppressionRepository,
    private readonly security: SecurityRepository,
    private readonly enrolments: EnrolmentEvents,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Suppressed numbers with the reason and time, a page at a time' })
  @ApiQuery({ name: 'reason', required: false, enum: SUPPRESSION_REASONS })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listQuery, 'query')) query: z.infer<typeof listQuery>,
  ) {
    const rows = await this.suppressions.page(
      principal.workspaceId,
      query.reason,
      query.cursor?.phone ?? null,
      query.limit,
    );
    return {
      suppressions: rows,
      nextCursor: nextCursor(rows, query.limit, (r) => ({ phone: r.phone })),
    };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Opt a number out by hand; its unsent campaign messages are withdrawn' })
  @ApiBody({ schema: openApiSchema(addSuppressionSchema) })
  async add(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(addSuppressionSchema)) body: z.infer<typeof addSuppressionSchema>,
    @Req() req: Request,
  ) {
    const phone = e164(body.phone, 'phone');
    const added = await this.suppressions.suppress(principal.workspaceId, [
      { phone, reason: 'manual', detail: body.detail ?? null },
    ]);
    await this.enrolments.optedOut(principal.workspaceId, [phone]);
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'suppression.add',
      target: phone,
      ip: clientAddress(req),
    });
    return {
      ...(await this.suppressions.find(principal.workspaceId, phone)),
      added: added.length > 0,
    };
  }

  @Delete(':phone')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a number from the list (only when the person opted in again)',
  })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('phone', new ZodValidationPipe(z.string().min(4).max(32), 'phone')) raw: string,
    @Req() req: Request,
  ) {
    const phone = e164(raw, 'phone');
    if (!(await this.suppressions.remove(principal.workspaceId, phone))) {
      throw new DomainError('not_found', `${phone} is not suppressed`);
    }
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'suppression.remove',
      target: phone,
      ip: clientAddress(req),
    });
  }
}
