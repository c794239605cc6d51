import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import {
  createCampaignScheduleSchema,
  DomainError,
  safeText,
  type CreateCampaignScheduleInput,
} from '#libs/domain';
import { CampaignRepository, LaunchChecks, SecurityRepository } from '#libs/persistence';
import { CampaignSchedules } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const scheduleId = new ZodValidationPipe(z.uuid(), 'id');
const noteSchema = z
  .strictObject({ reason: safeText().trim().min(1).max(500).optional() })
  .optional()
  .transform((b) => b ?? {});
type ScheduleCommand = 'pause' | 'unpause' | 'trigger';

/** Runs of a schedule listed with it. */
const RECENT_CAMPAIGNS = 20;

/** A gRPC INVALID_ARGUMENT from Temporal: the server refused part of the schedule's spec. */
const invalidArgument = (err: unknown) =>
  [err, (err as { cause?: unknown })?.cause].some(
    (e) => (e as { code?: unknown } | undefined)?.code === 3,
  );

/**
 * Recurring campaigns: each is a Temporal Schedule (`campaign-schedule-<id>`, on the Temporal
 * UI's Schedules page) whose every run launches a campaign to the contact list or filter as it
 * is at that moment. Paused, unpaused, triggered and deleted here or in the Temporal UI alike.
 */
@ApiTags('campaign schedules')
@Controller('v1/campaign-schedules')
export class CampaignSchedulesController {
  private readonly logger = new Logger(CampaignSchedulesController.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly schedules: CampaignSchedules,
    private readonly checks: LaunchChecks,
    private readonly campaigns: CampaignRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Post()
  @Roles('operator')
  @ApiOperation({
    summary:
      'Create a recurring campaign: a template campaign to a contact list or filter, run on cron expressions or intervals',
  })
  @ApiBody({ schema: openApiSchema(createCampaignScheduleSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createCampaignScheduleSchema)) body: CreateCampaignScheduleInput,
    @Req() req: Request,
  ) {
    const { workspaceId } = principal;
    // What can be known now is checked now; the audience is checked at each run.
    await this.checks.sender(workspaceId, body.sender);
    this.checks.frozenTemplate(
      await this.checks.template(workspaceId, body.template),
      body.defaults,
    );
    await this.checks.contactList(workspaceId, body.contacts);

    const id = randomUUID();
    try {
      await this.schedules.create(
        id,
        workspaceId,
        body,
        {
          settleTimeoutMs: this.config.CAMPAIGN_SETTLE_TIMEOUT_MS,
          unknownWindowMs: this.config.CAMPAIGN_UNKNOWN_WINDOW_MS,
          maxSignalsPerRun: this.config.CAMPAIGN_MAX_SIGNALS_PER_RUN,
        },
        principal.subject,
      );
    } catch (err) {
      if (invalidArgument(err)) {
        throw new DomainError('validation_failed', 'Temporal refused the schedule', [
          { field: 'spec', reason: (err as Error).message },
        ]);
      }
      this.logger.error({ scheduleId: id, err: (err as Error).message }, 'schedule not created');
      throw new DomainError('unavailable', 'the schedule could not be created; try again later');
    }
    await this.security.audit({
      workspaceId,
      actor: principal.subject,
      action: 'campaign_schedule.create',
      target: id,
      ip: clientAddress(req),
      details: { name: body.name, spec: body.spec, overlap: body.overlap, paused: body.paused },
    });
    this.logger.log({ scheduleId: id, name: body.name }, 'recurring campaign created');
    return this.found(workspaceId, id);
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's recurring campaigns with their next run times" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { schedules: await this.schedules.list(principal.workspaceId) };
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'A recurring campaign: its spec, state, next run times, recent and running runs, runs skipped for overlap, and the campaigns its runs launched',
  })
  findOne(@CurrentPrincipal() principal: Principal, @Param('id', scheduleId) id: string) {
    return this.found(principal.workspaceId, id);
  }

  @Post(':id/:command')
  @Roles('operator')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Pause or unpause a recurring campaign, or trigger a run now (under its overlap policy)',
  })
  @ApiBody({ required: false, schema: openApiSchema(noteSchema) })
  async command(
    @CurrentPrincipal() principal: Principal,
    @Param('id', scheduleId) id: string,
    @Param('command', new ZodValidationPipe(z.enum(['pause', 'unpause', 'trigger']), 'command'))
    command: ScheduleCommand,
    @Body(new ZodValidationPipe(noteSchema)) body: { reason?: string },
    @Req() req: Request,
  ) {
    const { workspaceId } = principal;
    const note = `${body.reason ?? `${command}d`} (by api:${principal.subject})`;
    const done =
      command === 'pause'
        ? await this.schedules.pause(workspaceId, id, note)
        : command === 'unpause'
          ? await this.schedules.unpause(workspaceId, id, note)
          : await this.schedules.trigger(workspaceId, id);
    if (!done) throw new DomainError('not_found', `recurring campaign ${id} not found`);
    await this.security.audit({
      workspaceId,
      actor: principal.subject,
      action: `campaign_schedule.${command}`,
      target: id,
      ip: clientAddress(req),
      details: body.reason ? { reason: body.reason } : undefined,
    });
    return { id, requested: command };
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a recurring campaign; a run already sending finishes its campaign',
  })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', scheduleId) id: string,
    @Req() req: Request,
  ) {
    if (!(await this.schedules.delete(principal.workspaceId, id))) {
      throw new DomainError('not_found', `recurring campaign ${id} not found`);
    }
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'campaign_schedule.delete',
      target: id,
      ip: clientAddress(req),
    });
  }

  private async found(workspaceId: string, id: string) {
    const schedule = await this.schedules.describe(workspaceId, id);
    if (!schedule) throw new DomainError('not_found', `recurring campaign ${id} not found`);
    return {
      ...schedule,
      campaigns: await this.campaigns.runsOf(workspaceId, id, RECENT_CAMPAIGNS),
    };
  }
}
