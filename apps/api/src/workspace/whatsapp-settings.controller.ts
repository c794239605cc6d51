import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { DomainError, safeText } from '#libs/domain';
import { SecurityRepository, SettingsRepository } from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const secret = (min: number) => safeText().min(min).max(2_048);
const whatsappSchema = z.strictObject({
  /** The Cloud API access token (a system user token). */
  token: secret(1),
  /** The Meta app secret that signs this account's webhooks. */
  appSecret: secret(8),
  /** What Meta presents in the webhook subscription handshake. */
  verifyToken: secret(8),
  /** The phone-number ids this workspace sends from; webhooks are routed by them. */
  phoneNumberIds: z
    .array(z.string().regex(/^\d{1,32}$/, 'must be a numeric phone-number id'))
    .min(1)
    .max(100),
  /**
   * The WhatsApp Business Account id (digits): templates are synced from it and submitted to
   * it, and its account webhooks (template status, quality, restrictions) are routed by it.
   * Without it, templates are registered by hand.
   */
  wabaId: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric WhatsApp Business Account id')
    .optional(),
});

/**
 * The workspace's WhatsApp Cloud API account. The secrets are write-only: stored encrypted
 * (AES-256-GCM), never returned, never logged.
 */
@ApiTags('settings')
@Roles('admin')
@Controller('v1/settings/whatsapp')
export class WhatsAppSettingsController {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Whether credentials are set, when, and the sending numbers' })
  describe(@CurrentPrincipal() principal: Principal) {
    return this.settings.describeWhatsApp(principal.workspaceId);
  }

  @Put()
  @ApiOperation({ summary: 'Set the token, app secret, verify token, sending numbers and WABA id' })
  @ApiBody({ schema: openApiSchema(whatsappSchema) })
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(whatsappSchema)) body: z.infer<typeof whatsappSchema>,
    @Req() req: Request,
  ) {
    const { phoneNumberIds, wabaId = null, ...credentials } = body;
    const ids = [...new Set(phoneNumberIds)];
    const { taken, wabaTaken } = await this.settings.saveWhatsApp(
      principal.workspaceId,
      credentials,
      ids,
      wabaId,
    );
    if (taken.length) {
      throw new DomainError('conflict', 'a phone-number id belongs to another workspace', [
        ...taken.map((id) => ({ field: 'phoneNumberIds', reason: `${id} is taken` })),
      ]);
    }
    if (wabaTaken) {
      throw new DomainError(
        'conflict',
        'the WhatsApp Business Account belongs to another workspace',
        [{ field: 'wabaId', reason: `${wabaId} is taken` }],
      );
    }
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'settings.whatsapp_changed',
      ip: clientAddress(req),
      details: { phoneNumberIds: ids, wabaId },
    });
    return this.settings.describeWhatsApp(principal.workspaceId);
  }
}
