import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, metaTemplateSchema, type MetaTemplate } from '#libs/domain';
import { SettingsRepository, syncTemplates, TemplateRepository } from '#libs/persistence';
import { WhatsAppAccounts } from '#libs/whatsapp';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { callMeta } from './meta-call.js';

/**
 * Templates kept in step with the workspace's WhatsApp Business Account: pulled from Meta, and
 * submitted to Meta for review. Without a WABA id in the WhatsApp settings these answer 409 and
 * templates are registered by hand (POST /v1/templates).
 */
@ApiTags('templates')
@Controller('v1/templates')
export class TemplateSyncController {
  constructor(
    private readonly templates: TemplateRepository,
    private readonly settings: SettingsRepository,
    private readonly accounts: WhatsAppAccounts,
  ) {}

  @Post('sync')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({
    summary:
      "Pull every page of the account's templates from Meta: each created or updated with its status, category, quality and rejection reason",
  })
  async sync(@CurrentPrincipal() principal: Principal) {
    const wabaId = await this.wabaOf(principal.workspaceId);
    const client = await callMeta('settings', () => this.accounts.clientFor(principal.workspaceId));
    return callMeta('wabaId', () =>
      syncTemplates(client, this.templates, principal.workspaceId, wabaId),
    );
  }

  @Post('submit')
  @Roles('operator')
  @ApiOperation({
    summary:
      "Create a template at Meta (POST /{waba-id}/message_templates, Meta's definition) and keep it here, PENDING until Meta approves it",
  })
  @ApiBody({ schema: openApiSchema(metaTemplateSchema) })
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(metaTemplateSchema)) body: MetaTemplate,
  ) {
    const wabaId = await this.wabaOf(principal.workspaceId);
    if (await this.templates.byName(principal.workspaceId, body.name, body.language)) {
      throw new DomainError('conflict', `template ${body.name} (${body.language}) exists`, [
        { field: 'name', reason: 'already registered in this language' },
      ]);
    }
    const client = await callMeta('settings', () => this.accounts.clientFor(principal.workspaceId));
    const created = await callMeta('name', () => client.createTemplate(wabaId, body));
    await this.templates.upsertFromMeta(
      principal.workspaceId,
      [
        {
          definition: body,
          status: created.status.toUpperCase(),
          quality: null,
          rejectedReason: null,
          metaId: created.id,
          positionalCount: 0,
        },
      ],
      new Date(),
    );
    return this.templates.byName(principal.workspaceId, body.name, body.language);
  }

  private async wabaOf(workspaceId: string): Promise<string> {
    const wabaId = await this.settings.wabaOf(workspaceId);
    if (!wabaId) {
      throw new DomainError('conflict', 'this workspace has no WhatsApp Business Account id', [
        { field: 'wabaId', reason: 'set it with PUT /v1/settings/whatsapp to sync and submit' },
      ]);
    }
    return wabaId;
  }
}
