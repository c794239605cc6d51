import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { createCampaignSchema, type CreateCampaignInput } from '#libs/domain';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { ControlCampaignUseCase, type CampaignCommand } from './control-campaign.use-case.js';
import { GetCampaignUseCase } from './get-campaign.use-case.js';
import { LaunchCampaignUseCase } from './launch-campaign.use-case.js';

const campaignId = new ZodValidationPipe(z.uuid(), 'id');

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
  @ApiOperation({ summary: 'Launch a template campaign to an inline list of recipients' })
  @ApiBody({ schema: z.toJSONSchema(createCampaignSchema) as object })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createCampaignSchema)) body: CreateCampaignInput,
  ) {
    return this.launch.execute(principal.tenantId, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A campaign with its recipients counted by status' })
  findOne(@CurrentPrincipal() principal: Principal, @Param('id', campaignId) id: string) {
    return this.get.execute(principal.tenantId, id);
  }

  @Post(':id/:command')
  @HttpCode(202)
  @ApiOperation({ summary: 'Pause, resume or cancel a running campaign' })
  command(
    @CurrentPrincipal() principal: Principal,
    @Param('id', campaignId) id: string,
    @Param('command', new ZodValidationPipe(z.enum(['pause', 'resume', 'cancel']), 'command'))
    command: CampaignCommand,
  ) {
    return this.control.execute(principal.tenantId, id, command);
  }
}
