import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import {
  CAMPAIGN_STATUSES,
  createCampaignSchema,
  DomainError,
  FAILURE_CLASSES,
  RECIPIENT_STATUSES,
  safeText,
  type CreateCampaignInput,
} from '#libs/domain';
import {
  CampaignRepository,
  InboundMessageRepository,
  RecipientRepository,
  SecurityRepository,
} from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { InboundPageQuery, inboundNextCursor, inboundPageShape } from '../http/inbound-page.js';
import { openApiSchema } from '../http/openapi.js';
import { encodeCursor, pageCursor } from '../http/page-cursor.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { ControlCampaignUseCase, type CampaignCommand } from './control-campaign.use-case.js';
import { GetCampaignUseCase } from './get-campaign.use-case.js';
import { LaunchCampaignUseCase } from './launch-campaign.use-case.js';

const campaignId = new ZodValidationPipe(z.uuid(), 'id');
const listQuery = z.strictObject({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  name: safeText().trim().min(1).max(200).optional(),
  createdFrom: z.coerce.date().optional(),
  createdTo: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: pageCursor(z.strictObject({ createdAt: z.iso.datetime(), id: z.uuid() })).optional(),
});
const recipientsQuery = z.strictObject({
  status: z.enum(RECIPIENT_STATUSES).optional(),
  errorCode: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
  errorClass: z.enum(FAILURE_CLASSES).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: pageCursor(z.strictObject({ id: z.number().int().nonnegative() })).optional(),
});
const repliesQuery = z.strictObject(inboundPageShape);

const controlSchema = z
  .strictObject({ reason: safeText().trim().min(1).max(500).optional() })
  .optional()
  .transform((b) => b ?? {});

@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly launch: LaunchCampaignUseCase,
    private readonly get: GetCampaignUseCase,
    private readonly control: ControlCampaignUseCase,
    private readonly campaigns: CampaignRepository,
    private readonly recipients: RecipientRepository,
    private readonly security: SecurityRepository,
    private readonly inbound: InboundMessageRepository,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary: 'Campaigns, newest first, a page at a time, by status, name and creation date',
  })
  @ApiQuery({ name: 'status', required: false, enum: CAMPAIGN_STATUSES })
  @ApiQuery({ name: 'name', required: false, description: 'part of the name, any case' })
  @ApiQuery({ name: 'createdFrom', required: false, description: 'ISO date-time, inclusive' })
  @ApiQuery({ name: 'createdTo', required: false, description: 'ISO date-time, exclusive' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listQuery, 'query')) query: z.infer<typeof listQuery>,
  ) {
    const { limit, cursor: after, ...filter } = query;
    const campaigns = await this.campaigns.page(
      principal.workspaceId,
      filter,
      after ?? null,
      limit,
    );
    const last = campaigns.at(-1);
    return {
      campaigns,
      nextCursor:
        last && campaigns.length === limit
          ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
          : null,
    };
  }

  @Get(':id/recipients')
  @Roles('viewer')
  @ApiOperation({
    summary: "A campaign's recipients with their status and error, a page at a time",
  })
  @ApiQuery({ name: 'status', required: false, enum: RECIPIENT_STATUSES })
  @ApiQuery({ name: 'errorCode', required: false, description: 'provider error code' })
  @ApiQuery({ name: 'errorClass', required: false, enum: FAILURE_CLASSES })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async recipientsOf(
    @CurrentPrincipal() principal: Principal,
    @Param('id', campaignId) id: string,
    @Query(new ZodValidationPipe(recipientsQuery, 'query')) query: z.infer<typeof recipientsQuery>,
  ) {
    if (!(await this.campaigns.findInWorkspace(principal.workspaceId, id))) {
      throw new DomainError('not_found', `campaign ${id} not found`);
    }
    const { limit, cursor: after, ...filter } = query;
    const recipients = await this.recipients.page(id, filter, after?.id ?? 0, limit);
    const last = recipients.at(-1);
    return {
      recipients,
      nextCursor: last && recipients.length === limit ? encodeCursor({ id: last.id }) : null,
    };
  }

  @Get(':id/replies')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Messages attributed to the campaign, newest first, a page at a time: each from a number the campaign was the last to message within REPLY_ATTRIBUTION_WINDOW_HOURS, or replying to its message',
  })
  @InboundPageQuery()
  async replies(
    @CurrentPrincipal() principal: Principal,
    @Param('id', campaignId) id: string,
    @Query(new ZodValidationPipe(repliesQuery, 'query')) query: z.infer<typeof repliesQuery>,
  ) {
    const campaign = await this.campaigns.findInWorkspace(principal.workspaceId, id);
    if (!campaign || campaign.kind !== 'campaign') {
      throw new DomainError('not_found', `campaign ${id} not found`);
    }
    const replies = await this.inbound.page(
      principal.workspaceId,
      { campaignId: id },
      query.cursor ?? null,
      query.limit,
    );
    return { replies, nextCursor: inboundNextCursor(replies, query.limit) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({
    summary:
      'Launch a template campaign to inline recipients, an uploaded audience or contacts, now or at sendAt',
  })
  @ApiBody({ schema: openApiSchema(createCampaignSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createCampaignSchema)) body: CreateCampaignInput,
    @Req() req: Request,
  ) {
    const launched = await this.launch.execute(principal.workspaceId, body);
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'campaign.launch',
      target: launched.id,
      ip: clientAddress(req),
      details: { name: body.name, recipients: launched.totalRecipients, sendAt: body.sendAt },
    });
    return launched;
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'A campaign with its recipients counted by status and by country' })
  findOne(@CurrentPrincipal() principal: Principal, @Param('id', campaignId) id: string) {
    return this.get.execute(principal.workspaceId, id);
  }

  @Post(':id/:command')
  @Roles('operator')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Pause, resume or cancel a running campaign, or send its failed recipients again (retry-failed)',
  })
  @ApiBody({ required: false, schema: openApiSchema(controlSchema) })
  async command(
    @CurrentPrincipal() principal: Principal,
    @Param('id', campaignId) id: string,
    @Param(
      'command',
      new ZodValidationPipe(z.enum(['pause', 'resume', 'cancel', 'retry-failed']), 'command'),
    )
    command: CampaignCommand,
    @Body(new ZodValidationPipe(controlSchema)) body: { reason?: string },
    @Req() req: Request,
  ) {
    const result = await this.control.execute(principal.workspaceId, id, command, {
      reason: body.reason,
      actor: `api:${principal.subject}`,
    });
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: `campaign.${command}`,
      target: id,
      ip: clientAddress(req),
      details: body.reason ? { reason: body.reason } : undefined,
    });
    return result;
  }
}
