import type { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  createContactSchema,
  DomainError,
  normalisePhone,
  safeText,
  updateContactSchema,
  type CreateContactInput,
  type UpdateContactInput,
} from '#libs/domain';
import {
  ContactListRepository,
  ContactRepository,
  InboundMessageRepository,
  SecurityRepository,
  SuppressionRepository,
} from '#libs/persistence';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { csvLine } from '../http/csv-records.js';
import { StreamedBody, UploadBody } from '../http/idempotency.interceptor.js';
import { InboundPageQuery, inboundNextCursor, inboundPageShape } from '../http/inbound-page.js';
import { openApiSchema } from '../http/openapi.js';
import { nextCursor, pageCursor } from '../http/page-cursor.js';
import { RateLimit } from '../http/rate-limit.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { ImportContactsUseCase } from './import-contacts.use-case.js';

const contactId = new ZodValidationPipe(z.uuid(), 'id');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as DE');

const listQuery = z.strictObject({
  listId: z.uuid().optional(),
  country: country.optional(),
  /** The start of the number, with or without its plus. */
  phone: z
    .string()
    .regex(/^\+?\d{1,15}$/, 'digits, optionally after a plus')
    .transform((p) => (p.startsWith('+') ? p : `+${p}`))
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: pageCursor(z.strictObject({ id: z.uuid() })).optional(),
});

const importQuery = z.strictObject({
  listId: z.uuid().optional(),
  /** Consent recorded for rows without their own consent columns. */
  consentSource: safeText().trim().min(1).max(100).optional(),
  consentPurpose: safeText().trim().min(1).max(200).optional(),
});

const exportQuery = z.strictObject({ listId: z.uuid().optional(), country: country.optional() });

/**
 * Outbound (the default, as this route answered before inbound messages were kept): the messages
 * sent to the contact, its newest 500. Inbound: the messages it sent, a page at a time.
 */
const messagesQuery = z
  .strictObject({
    direction: z.enum(['inbound', 'outbound']).default('outbound'),
    ...inboundPageShape,
  })
  .refine((q) => q.direction === 'inbound' || q.cursor === undefined, {
    message: 'only direction=inbound is paged',
    path: ['cursor'],
  });

const EXPORT_PAGE = 1_000;

/**
 * The workspace's contacts: CRUD, a streamed CSV import and export, one contact's data as JSON
 * and its erasure. Every query is scoped to the caller's workspace.
 */
@ApiTags('contacts')
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly lists: ContactListRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly importer: ImportContactsUseCase,
    private readonly security: SecurityRepository,
    private readonly inbound: InboundMessageRepository,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Contacts, a page at a time, by list, country and number prefix' })
  @ApiQuery({ name: 'listId', required: false })
  @ApiQuery({ name: 'country', required: false, description: 'ISO 3166 code, e.g. DE' })
  @ApiQuery({ name: 'phone', required: false, description: 'the start of the number' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listQuery, 'query')) query: z.infer<typeof listQuery>,
  ) {
    const { limit, cursor, ...filter } = query;
    const contacts = await this.contacts.page(
      principal.workspaceId,
      filter,
      cursor?.id ?? null,
      limit,
    );
    return { contacts, nextCursor: nextCursor(contacts, limit, (c) => ({ id: c.id })) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Add a contact, with its attributes, time zone, consent and lists' })
  @ApiBody({ schema: openApiSchema(createContactSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createContactSchema)) body: CreateContactInput,
  ) {
    const phone = normalisePhone(body.phone);
    if (!phone) {
      throw new DomainError('validation_failed', 'invalid phone number', [
        { field: 'phone', reason: 'not a valid international phone number' },
      ]);
    }
    const listIds = body.listIds ?? [];
    const known = await this.lists.existing(principal.workspaceId, listIds);
    const unknown = listIds.filter((id) => !known.includes(id));
    if (unknown.length) {
      throw new DomainError('validation_failed', 'unknown contact list', [
        { field: 'listIds', reason: `no contact list ${unknown[0]} in this workspace` },
      ]);
    }
    if (await this.contacts.exists(principal.workspaceId, phone.e164)) {
      throw new DomainError('conflict', `a contact with number ${phone.e164} exists`, [
        { field: 'phone', reason: 'already a contact of this workspace' },
      ]);
    }
    const { ids } = await this.contacts.upsertBatch(
      principal.workspaceId,
      [
        {
          phone: phone.e164,
          country: phone.country,
          name: body.name ?? null,
          attributes: body.attributes,
          timeZone: body.timeZone ?? null,
          consentAt: body.consent ? (body.consent.at ?? new Date().toISOString()) : null,
          consentSource: body.consent?.source ?? null,
          consentPurpose: body.consent?.purpose ?? null,
        },
      ],
      listIds,
    );
    return this.contacts.get(principal.workspaceId, ids[0]);
  }

  @Post('import')
  @Roles('operator')
  @RateLimit('import')
  @StreamedBody()
  @ApiOperation({
    summary:
      'Import contacts from a CSV stream of any size: a "phone" column, optional name, time_zone, consent_at, consent_source, consent_purpose; every other column an attribute',
  })
  @ApiConsumes('text/csv')
  @ApiQuery({ name: 'listId', required: false, description: 'add every imported contact to it' })
  @ApiQuery({ name: 'consentSource', required: false })
  @ApiQuery({ name: 'consentPurpose', required: false })
  async import(
    @CurrentPrincipal() principal: Principal,
    @Headers('content-type') contentType: string | undefined,
    @Query(new ZodValidationPipe(importQuery, 'query')) query: z.infer<typeof importQuery>,
    @UploadBody() body: Readable,
  ) {
    if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== 'text/csv') {
      throw new DomainError('unsupported_media_type', 'send the contacts as text/csv', [
        { field: 'content-type', reason: `${contentType ?? '(none)'} is not accepted` },
      ]);
    }
    if ((query.consentSource === undefined) !== (query.consentPurpose === undefined)) {
      throw new DomainError('validation_failed', 'consent needs its source and purpose', [
        { field: 'consentPurpose', reason: 'give consentSource and consentPurpose together' },
      ]);
    }
    if (query.listId && !(await this.lists.get(principal.workspaceId, query.listId))) {
      throw new DomainError('validation_failed', 'unknown contact list', [
        { field: 'listId', reason: `no contact list ${query.listId} in this workspace` },
      ]);
    }
    return this.importer.execute(
      principal.workspaceId,
      { ...query, listId: query.listId ?? null },
      body,
    );
  }

  @Get('export')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Every contact as CSV (streamed; cells a spreadsheet would run as formulas are neutralised)',
  })
  @ApiProduces('text/csv')
  @ApiQuery({ name: 'listId', required: false })
  @ApiQuery({ name: 'country', required: false })
  async exportCsv(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(exportQuery, 'query')) query: z.infer<typeof exportQuery>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'contacts.export',
      ip: clientAddress(req),
      details: { ...query },
    });
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="contacts.csv"');
    const keys = new Set<string>();
    const fixed = [
      'phone',
      'name',
      'country',
      'time_zone',
      'consent_at',
      'consent_source',
      'consent_purpose',
      'suppressed',
    ];
    let after: string | null = null;
    let headerWritten = false;
    for (;;) {
      const page = await this.contacts.page(principal.workspaceId, query, after, EXPORT_PAGE);
      if (!headerWritten) {
        // Attribute columns: those of the first page, then any others as one JSON column.
        for (const c of page) for (const k of Object.keys(c.attributes)) keys.add(k);
        res.write(csvLine([...fixed, ...keys, 'other_attributes']));
        headerWritten = true;
      }
      for (const c of page) {
        const other = Object.fromEntries(
          Object.entries(c.attributes).filter(([k]) => !keys.has(k)),
        );
        const line = csvLine([
          c.phone,
          c.name,
          c.country,
          c.timeZone,
          c.consent?.at ? new Date(c.consent.at).toISOString() : '',
          c.consent?.source,
          c.consent?.purpose,
          c.suppressed?.reason ?? '',
          ...[...keys].map((k) => c.attributes[k] ?? ''),
          Object.keys(other).length ? JSON.stringify(other) : '',
        ]);
        if (!res.write(line)) await new Promise((resolve) => res.once('drain', resolve));
      }
      if (page.length < EXPORT_PAGE) break;
      after = page[page.length - 1].id;
    }
    res.end();
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One contact, with its consent and opt-out' })
  async findOne(@CurrentPrincipal() principal: Principal, @Param('id', contactId) id: string) {
    const contact = await this.contacts.get(principal.workspaceId, id);
    if (!contact) throw new DomainError('not_found', `contact ${id} not found`);
    return { ...contact, lists: await this.contacts.listsOf(principal.workspaceId, id) };
  }

  @Patch(':id')
  @Roles('operator')
  @ApiOperation({
    summary: "Change a contact's name, attributes (null removes one), time zone or consent",
  })
  @ApiBody({ schema: openApiSchema(updateContactSchema) })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', contactId) id: string,
    @Body(new ZodValidationPipe(updateContactSchema)) body: UpdateContactInput,
  ) {
    const { consent, ...rest } = body;
    const updated = await this.contacts.update(principal.workspaceId, id, {
      ...rest,
      consent:
        consent === undefined
          ? undefined
          : consent === null
            ? null
            : { ...consent, at: consent.at ?? new Date().toISOString() },
    });
    if (!updated) throw new DomainError('not_found', `contact ${id} not found`);
    return updated;
  }

  @Get(':id/messages')
  @Roles('viewer')
  @ApiOperation({
    summary:
      "The contact's conversation, newest first: the messages sent to it (direction=outbound, the default, as before inbound messages were kept; its newest 500); or the messages it sent (direction=inbound: text, buttons, interactive replies, reactions, media metadata, each with the service window it opened and the campaign or drip step it answers), a page at a time",
  })
  @ApiQuery({ name: 'direction', required: false, enum: ['inbound', 'outbound'] })
  @InboundPageQuery()
  async messages(
    @CurrentPrincipal() principal: Principal,
    @Param('id', contactId) id: string,
    @Query(new ZodValidationPipe(messagesQuery, 'query')) query: z.infer<typeof messagesQuery>,
  ) {
    const contact = await this.contacts.get(principal.workspaceId, id);
    if (!contact) throw new DomainError('not_found', `contact ${id} not found`);
    if (query.direction === 'outbound') {
      return { messages: await this.contacts.messages(principal.workspaceId, id, 500) };
    }
    const messages = await this.inbound.page(
      principal.workspaceId,
      { phone: contact.phone },
      query.cursor ?? null,
      query.limit,
    );
    return { messages, nextCursor: inboundNextCursor(messages, query.limit) };
  }

  @Get(':id/export')
  @Roles('admin')
  @ApiOperation({
    summary: "Everything stored about one contact, as JSON (a data subject's access request)",
  })
  async exportOne(
    @CurrentPrincipal() principal: Principal,
    @Param('id', contactId) id: string,
    @Req() req: Request,
  ) {
    const contact = await this.contacts.get(principal.workspaceId, id);
    if (!contact) throw new DomainError('not_found', `contact ${id} not found`);
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'contact.export',
      target: id,
      ip: clientAddress(req),
    });
    return {
      exportedAt: new Date().toISOString(),
      contact,
      lists: await this.contacts.listsOf(principal.workspaceId, id),
      suppression: await this.suppressions.find(principal.workspaceId, contact.phone),
      messages: await this.contacts.messages(principal.workspaceId, id, 100_000),
      inboundMessages: await this.inboundHistory(principal.workspaceId, contact.phone),
    };
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary:
      "Erase a contact: its personal data leaves the contact, lists, campaigns' rows and audiences; campaign counts stay; an opt-out stays listed",
  })
  async erase(
    @CurrentPrincipal() principal: Principal,
    @Param('id', contactId) id: string,
    @Req() req: Request,
  ) {
    if (!(await this.contacts.erase(principal.workspaceId, id))) {
      throw new DomainError('not_found', `contact ${id} not found`);
    }
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'contact.erase',
      target: id,
      ip: clientAddress(req),
    });
  }

  /** Every message the number sent, for the contact's export. */
  private async inboundHistory(workspaceId: string, phone: string) {
    const all = [];
    let after: { receivedAt: string; id: string } | null = null;
    for (;;) {
      const page = await this.inbound.page(workspaceId, { phone }, after, EXPORT_PAGE);
      all.push(...page);
      const last = page.at(-1);
      if (!last || page.length < EXPORT_PAGE) return all;
      after = { receivedAt: last.receivedAt.toISOString(), id: last.id };
    }
  }
}
