import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  createTemplateSchema,
  DomainError,
  templateBodyMatchesVariables,
  updateTemplateSchema,
  type CreateTemplateInput,
  type UpdateTemplateInput,
} from '#libs/domain';
import { TemplateRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const templateId = new ZodValidationPipe(z.uuid(), 'id');

/**
 * References to the WhatsApp templates approved in Meta, with the variables each needs;
 * campaigns launch by name and language, and every recipient is checked against them first.
 */
@ApiTags('templates')
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplateRepository) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's templates" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { templates: await this.templates.list(principal.workspaceId) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Register a template: name, language, category, components, variables' })
  @ApiBody({ schema: openApiSchema(createTemplateSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createTemplateSchema)) body: CreateTemplateInput,
  ) {
    const created = await this.templates.create(principal.workspaceId, body);
    if (!created) {
      throw new DomainError('conflict', `template ${body.name} (${body.language}) exists`, [
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
    @Body(new ZodValidationPipe(updateTemplateSchema)) body: UpdateTemplateInput,
  ) {
    const current = await this.templates.get(principal.workspaceId, id);
    if (!current) throw new DomainError('not_found', `template ${id} not found`);
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
  @ApiOperation({ summary: 'Remove a template (campaigns already launched keep theirs)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', templateId) id: string) {
    if (!(await this.templates.remove(principal.workspaceId, id))) {
      throw new DomainError('not_found', `template ${id} not found`);
    }
  }
}
