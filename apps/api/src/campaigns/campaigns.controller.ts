import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { createCampaignSchema, type CreateCampaignInput } from '#libs/domain';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { ControlCampaignUseCase, type CampaignCommand } from './control-campaign.use-case.js';
import { GetCampaignUseCase } from './get-campaign.use-case.js';
import { LaunchCampaignUseCase } from './launch-campaign.use-case.js';

const campaignId = new ZodValidationPipe(z.uuid(), 'id');
const controlSchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .optional()
  .transform((b) => b ?? {});

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly launch: LaunchCampaignUseCase,
    private readonly get: GetCampaignUseCase,
    private readonly control: ControlCampaignUseCase,
  ) {}

  @Post()
  @Roles('operator')
  @ApiOperation({
    summary: 'Launch a template campaign to inline recipients or to an uploaded audience',
  })
  @ApiBody({ schema: z.toJSONSchema(createCampaignSchema, { io: 'input' }) as object })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createCampaignSchema)) body: CreateCampaignInput,
  ) {
    return this.launch.execute(principal.workspaceId, body);
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
  @ApiBody({ required: false, schema: z.toJSONSchema(controlSchema, { io: 'input' }) as object })
  command(
    @CurrentPrincipal() principal: Principal,
    @Param('id', campaignId) id: string,
    @Param(
      'command',
      new ZodValidationPipe(z.enum(['pause', 'resume', 'cancel', 'retry-failed']), 'command'),
    )
    command: CampaignCommand,
    @Body(new ZodValidationPipe(controlSchema)) body: { reason?: string },
  ) {
    return this.control.execute(principal.workspaceId, id, command, {
      reason: body.reason,
      actor: `api:${principal.subject}`,
    });
  }
}
