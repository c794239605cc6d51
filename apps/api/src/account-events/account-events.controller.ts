import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { templateLanguageSchema, templateNameSchema } from '#libs/domain';
import { AccountEventRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { nextCursor, pageCursor } from '../http/page-cursor.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

export const ACCOUNT_EVENT_FIELDS = [
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
  'phone_number_quality_update',
  'account_update',
] as const;

const querySchema = z.strictObject({
  field: z.enum(ACCOUNT_EVENT_FIELDS).optional(),
  /** Meta's event word: PAUSED, APPROVED, FLAGGED, ACCOUNT_RESTRICTION, a quality score… */
  event: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case word such as PAUSED')
    .optional(),
  templateName: templateNameSchema.optional(),
  templateLanguage: templateLanguageSchema.optional(),
  cursor: pageCursor(z.strictObject({ id: z.int().positive() })).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * What Meta said about the workspace's account (template status, quality and category, phone
 * number quality, restrictions and bans) and what the engine did about each, newest first.
 */
@ApiTags('account events')
@Roles('viewer')
@Controller('v1/account-events')
export class AccountEventsController {
  constructor(private readonly events: AccountEventRepository) {}

  @Get()
  @ApiOperation({
    summary:
      "Meta's account webhook events with their effects (campaigns paused, resumed or failed, senders halted), paged",
  })
  @ApiQuery({ name: 'field', required: false, enum: ACCOUNT_EVENT_FIELDS })
  @ApiQuery({ name: 'event', required: false, description: "Meta's event word, e.g. PAUSED" })
  @ApiQuery({ name: 'templateName', required: false })
  @ApiQuery({ name: 'templateLanguage', required: false })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(querySchema, 'query')) query: z.infer<typeof querySchema>,
  ) {
    const events = await this.events.page(principal.workspaceId, {
      field: query.field,
      event: query.event,
      templateName: query.templateName,
      templateLanguage: query.templateLanguage,
      before: query.cursor?.id,
      limit: query.limit,
    });
    return { events, nextCursor: nextCursor(events, query.limit, (last) => ({ id: last.id })) };
  }
}
