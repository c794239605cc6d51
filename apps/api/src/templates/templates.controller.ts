import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  DomainError,
  metaTemplateSchema,
  templateBodyMatchesVariables,
  templateRegistrationDocSchema,
  templateRegistrationSchema,
  updateTemplateSchema,
  type TemplateRegistration,
  type UpdateTemplateInput,
} from '#libs/domain';
import { SettingsRepository, TemplateRepository, type TemplateInput } from '#libs/persistence';
import { WhatsAppAccounts } from '#libs/whatsapp';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { callMeta } from './meta-call.js';

const templateId = new ZodValidationPipe(z.uuid(), 'id');

/** A change's outline; its components are checked by the template's own form (Meta or legacy). */
const templateChangeSchema = z
  .strictObject({
    category: z.string().max(32),
    components: z.array(z.unknown()).max(10),
    variables: z.array(z.string().max(64)).max(20),
  })
  .partial();

/**
 * The workspace's WhatsApp templates, in Meta's own template JSON (or a legacy registration
 * naming its body variables); campaigns launch by name and language, and every recipient is
 * checked against the template's parameters first.
 */
@ApiTags('templates')
@Controller('v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplateRepository,
    private readonly settings: SettingsRepository,
    private readonly accounts: WhatsAppAccounts,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's templates" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { templates: await this.templates.list(principal.workspaceId) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({
    summary:
      "Register a template: Meta's template JSON (name, language, category, parameter_format, components), or name, language, category and a variables list",
  })
  @ApiBody({ schema: openApiSchema(templateRegistrationDocSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(templateRegistrationSchema)) body: TemplateRegistration,
  ) {
    const input = registrationInput(body);
    const created = await this.templates.create(principal.workspaceId, input);
    if (!created) {
      throw new DomainError('conflict', `template ${input.name} (${input.language}) exists`, [
        { field: 'name', reason: 'already registered in this language' },
      ]);
    }
    return created;
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One template' })
  async findOne(@CurrentPrincipal() principal: Principal, @Param('id', templateId) id: string) {
    const found = await this.templates.get(principal.workspaceId, id);
    if (!found) throw new DomainError('not_found', `template ${id} not found`);
    return found;
  }

  @Patch(':id')
  @Roles('operator')
  @ApiOperation({ summary: "Change a template's category, components or variables" })
  @ApiBody({ schema: openApiSchema(updateTemplateSchema) })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', templateId) id: string,
    @Body(new ZodValidationPipe(templateChangeSchema)) change: z.infer<typeof templateChangeSchema>,
  ) {
    const current = await this.templates.get(principal.workspaceId, id);
    if (!current) throw new DomainError('not_found', `template ${id} not found`);
    if (current.parameterFormat) {
      // A Meta definition stays one: the changed definition passes Meta's rules as a whole.
      const body = change;
      if (body.variables?.length) {
        throw new DomainError('validation_failed', 'invalid template', [
          { field: 'variables', reason: "a Meta definition's parameters come from its text" },
        ]);
      }
      const parsed = metaTemplateSchema.safeParse({
        name: current.name,
        language: current.language,
        category: body.category ?? current.category,
        parameter_format: current.parameterFormat,
        components: body.components ?? current.components,
      });
      if (!parsed.success) {
        throw new DomainError(
          'validation_failed',
          'invalid template',
          parsed.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })),
        );
      }
      return this.templates.update(principal.workspaceId, id, {
        category: parsed.data.category,
        components: parsed.data.components,
      });
    }
    const body: UpdateTemplateInput = new ZodValidationPipe(updateTemplateSchema).transform(change);
    const next = {
      components: body.components ?? (current.components as { type: string; text?: string }[]),
      variables: body.variables ?? current.variables,
    };
    if (!templateBodyMatchesVariables(next)) {
      throw new DomainError('validation_failed', 'invalid template', [
        {
          field: 'variables',
          reason: 'the BODY text must use exactly {{1}}…{{n}} for the n variables named',
        },
      ]);
    }
    return this.templates.update(principal.workspaceId, id, body);
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Remove a template: one synced from Meta is deleted at Meta first (that language only); campaigns already launched keep theirs',
  })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', templateId) id: string) {
    const found = await this.templates.get(principal.workspaceId, id);
    if (!found) throw new DomainError('not_found', `template ${id} not found`);
    const wabaId = await this.settings.wabaOf(principal.workspaceId);
    if (found.source === 'meta' && found.metaId && wabaId) {
      const client = await callMeta('settings', () =>
        this.accounts.clientFor(principal.workspaceId),
      );
      await callMeta('id', () => client.deleteTemplate(wabaId, found.name, found.metaId!));
    }
    await this.templates.remove(principal.workspaceId, id);
  }
}

function registrationInput(body: TemplateRegistration): TemplateInput {
  if (body.kind === 'legacy') return { ...body.registration, parameterFormat: null };
  const { definition } = body;
  return {
    name: definition.name,
    language: definition.language,
    category: definition.category,
    components: definition.components,
    variables: [],
    parameterFormat: definition.parameter_format,
  };
}
