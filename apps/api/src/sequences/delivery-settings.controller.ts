import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { deliveryPolicySchema, type DeliveryPolicy } from '#libs/domain';
import { SecurityRepository, SequenceRepository } from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

/** The workspace's send window (recipient's local time) and frequency cap. */
@ApiTags('settings')
@Controller('v1/settings/delivery')
export class DeliverySettingsController {
  constructor(
    private readonly sequences: SequenceRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Send window, default time zone and frequency cap' })
  get(@CurrentPrincipal() principal: Principal) {
    return this.sequences.deliveryPolicy(principal.workspaceId);
  }

  @Put()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Set the send window (HH:MM–HH:MM in the recipient’s time zone: the contact’s, else its country’s, else defaultTimeZone) and the frequency cap (max messages per contact per window; defer or skip)',
  })
  @ApiBody({ schema: openApiSchema(deliveryPolicySchema) })
  async put(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(deliveryPolicySchema)) body: DeliveryPolicy,
    @Req() req: Request,
  ) {
    await this.sequences.setDeliveryPolicy(principal.workspaceId, body);
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'settings.delivery',
      ip: clientAddress(req),
      details: body,
    });
    return body;
  }
}
