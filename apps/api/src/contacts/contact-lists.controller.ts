import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  createContactListSchema,
  DomainError,
  listMembersSchema,
  normalisePhone,
} from '#libs/domain';
import { ContactListRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const uuid = (field: string) => new ZodValidationPipe(z.uuid(), field);

/** Named groups of contacts that campaigns and sequences are launched to. */
@ApiTags('contacts')
@Controller('v1/contact-lists')
export class ContactListsController {
  constructor(private readonly lists: ContactListRepository) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's contact lists with their sizes" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { lists: await this.lists.list(principal.workspaceId) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Create a contact list' })
  @ApiBody({ schema: openApiSchema(createContactListSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createContactListSchema))
    body: z.infer<typeof createContactListSchema>,
  ) {
    const created = await this.lists.create(principal.workspaceId, body.name);
    if (!created) {
      throw new DomainError('conflict', `a list named ${body.name} exists`, [
        { field: 'name', reason: 'already used in this workspace' },
      ]);
    }
    return created;
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One list (its members: GET /v1/contacts?listId=…)' })
  async findOne(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    const list = await this.lists.get(principal.workspaceId, id);
    if (!list) throw new DomainError('not_found', `contact list ${id} not found`);
    return list;
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a list (its contacts stay)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    if (!(await this.lists.remove(principal.workspaceId, id))) {
      throw new DomainError('not_found', `contact list ${id} not found`);
    }
  }

  @Post(':id/members')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add contacts to the list, by id or by number' })
  @ApiBody({ schema: openApiSchema(listMembersSchema) })
  async addMembers(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Body(new ZodValidationPipe(listMembersSchema)) body: z.infer<typeof listMembersSchema>,
  ) {
    if (!(await this.lists.get(principal.workspaceId, id))) {
      throw new DomainError('not_found', `contact list ${id} not found`);
    }
    const phones = (body.phones ?? []).map((p, i) => {
      const phone = normalisePhone(p);
      if (!phone) {
        throw new DomainError('validation_failed', 'invalid phone number', [
          { field: `phones.${i}`, reason: 'not a valid international phone number' },
        ]);
      }
      return phone.e164;
    });
    return this.lists.addMembers(principal.workspaceId, id, body.contactIds ?? [], phones);
  }

  @Delete(':id/members/:contactId')
  @Roles('operator')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a contact from the list' })
  async removeMember(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Param('contactId', uuid('contactId')) contactId: string,
  ) {
    if (!(await this.lists.removeMember(principal.workspaceId, id, contactId))) {
      throw new DomainError('not_found', `contact ${contactId} is not in list ${id}`);
    }
  }
}
