import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import {
  checkDefaults,
  createSequenceSchema,
  DomainError,
  enrolSchema,
  safeText,
  sequenceDefinitionSchema,
  sequenceTemplates,
  updateSequenceSchema,
  validateSequence,
  type SequenceDefinition,
  type SequenceIssue,
} from '#libs/domain';
import {
  EnrolmentJobRepository,
  InboundMessageRepository,
  SecurityRepository,
  SequenceRepository,
  SettingsRepository,
  TemplateRepository,
} from '#libs/persistence';
import { DripLifecycle, SequenceRunnerLifecycle } from '#libs/temporal';
import { clientAddress } from '../auth/client-address.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { InboundPageQuery, inboundNextCursor, inboundPageShape } from '../http/inbound-page.js';
import { openApiSchema } from '../http/openapi.js';
import { nextCursor, pageCursor } from '../http/page-cursor.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { EnrolmentEvents } from './enrolment-events.js';

const uuid = (field: string) => new ZodValidationPipe(z.uuid(), field);
const controlSchema = z
  .strictObject({ reason: safeText().trim().min(1).max(500).optional() })
  .optional()
  .transform((b) => b ?? {});
const enrolmentsQuery = z.strictObject({
  status: z.enum(['active', 'completed', 'exited']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: pageCursor(z.strictObject({ id: z.string().max(100) })).optional(),
});
const repliesQuery = z.strictObject({
  step: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a step id')
    .optional(),
  ...inboundPageShape,
});
/** Legacy per-contact workflows signalled at a time. */
const CONCURRENCY = 32;

/**
 * Drip sequences: drafts, validation, immutable published versions, enrolment of contacts
 * (set-wise; a list or filter of any size as a job), one contact's journey, pause and resume.
 * Each sequence's enrolments are advanced in batches by its runner, workflow `sequence-<id>`.
 */
@ApiTags('sequences')
@Controller('v1/sequences')
export class SequencesController {
  constructor(
    private readonly sequences: SequenceRepository,
    private readonly templates: TemplateRepository,
    private readonly settings: SettingsRepository,
    private readonly drips: DripLifecycle,
    private readonly runners: SequenceRunnerLifecycle,
    private readonly jobs: EnrolmentJobRepository,
    private readonly events: EnrolmentEvents,
    private readonly security: SecurityRepository,
    private readonly inbound: InboundMessageRepository,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's sequences" })
  async list(@CurrentPrincipal() principal: Principal) {
    return { sequences: await this.sequences.list(principal.workspaceId) };
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Create a sequence as a draft' })
  @ApiBody({ schema: openApiSchema(createSequenceSchema) })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createSequenceSchema)) body: z.infer<typeof createSequenceSchema>,
  ) {
    const created = await this.sequences.create(principal.workspaceId, body.name, body.definition);
    if (!created) {
      throw new DomainError('conflict', `a sequence named ${body.name} exists`, [
        { field: 'name', reason: 'already used in this workspace' },
      ]);
    }
    return created;
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'A sequence with its draft, published version, pause and its enrolments by status, step and phase',
  })
  async findOne(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    const sequence = await this.found(principal.workspaceId, id);
    return {
      ...sequence,
      runnerWorkflowId: `sequence-${id}`,
      enrolments: await this.sequences.progress(id),
    };
  }

  @Patch(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'Edit the draft (published versions never change)' })
  @ApiBody({ schema: openApiSchema(updateSequenceSchema) })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Body(new ZodValidationPipe(updateSequenceSchema)) body: z.infer<typeof updateSequenceSchema>,
  ) {
    await this.found(principal.workspaceId, id);
    return this.sequences.update(principal.workspaceId, id, {
      name: body.name,
      draft: body.definition,
    });
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a sequence with no active enrolment' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    await this.found(principal.workspaceId, id);
    if (await this.sequences.hasActive(id)) {
      throw new DomainError('conflict', 'the sequence has active enrolments; remove them first');
    }
    await this.sequences.remove(principal.workspaceId, id);
    await this.runners.stop(id, 'the sequence was deleted');
  }

  @Post(':id/validate')
  @Roles('viewer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Check the draft: references, unreachable steps, unbounded loops, unregistered templates and the contact attributes its templates need',
  })
  async validate(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    const sequence = await this.found(principal.workspaceId, id);
    return this.check(principal.workspaceId, sequence.draft);
  }

  @Post(':id/publish')
  @Roles('operator')
  @ApiOperation({ summary: 'Publish the draft as the next immutable version' })
  async publish(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Req() req: Request,
  ) {
    const sequence = await this.found(principal.workspaceId, id);
    const report = await this.check(principal.workspaceId, sequence.draft);
    if (!report.valid) {
      throw new DomainError('validation_failed', 'the draft cannot be published', report.issues);
    }
    const [sender] = await this.settings.sendersOf(principal.workspaceId);
    if (!sender) {
      throw new DomainError('validation_failed', 'no sender', [
        {
          field: 'sender',
          reason: 'this workspace has no WhatsApp number: PUT /v1/settings/whatsapp',
        },
      ]);
    }
    const version = await this.sequences.publish(
      principal.workspaceId,
      id,
      principal.subject,
      sender,
    );
    await this.security.audit({
      workspaceId: principal.workspaceId,
      actor: principal.subject,
      action: 'sequence.publish',
      target: id,
      ip: clientAddress(req),
      details: { version },
    });
    return { id, version, requiredAttributes: report.requiredAttributes };
  }

  @Get(':id/versions')
  @Roles('viewer')
  @ApiOperation({ summary: 'Published versions, newest first' })
  async versions(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    await this.found(principal.workspaceId, id);
    return { versions: await this.sequences.versions(principal.workspaceId, id) };
  }

  @Post(':id/enrolments')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Enrol contacts in the published version: contactIds at once, set-wise; a list or filter of any size as a job (GET …/enrolment-jobs/{jobId} for its progress). A contact already in the sequence is not enrolled twice, and one that left follows the sequence's re-entry rule",
  })
  @ApiBody({ schema: openApiSchema(enrolSchema) })
  async enrol(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Body(new ZodValidationPipe(enrolSchema)) body: z.infer<typeof enrolSchema>,
  ) {
    const ws = principal.workspaceId;
    const sequence = await this.found(ws, id);
    if (!sequence.publishedVersion) {
      throw new DomainError('conflict', 'publish the sequence before enrolling contacts');
    }
    const version = sequence.publishedVersion;
    const definition = (await this.sequences.version(id, version))!;
    const answer = {
      version,
      requested: 0,
      enrolled: 0,
      notEnrolled: 0,
      unknownContacts: [] as string[],
      job: null as Awaited<ReturnType<EnrolmentJobRepository['create']>> | null,
    };
    if (body.contactIds) {
      const unique = [...new Set(body.contactIds)];
      const known = await this.sequences.knownContacts(ws, unique);
      answer.unknownContacts = unique.filter((c) => !known.has(c)).slice(0, 100);
      if (known.size === 0) {
        throw new DomainError('not_found', 'none of the contacts exists in this workspace');
      }
      answer.requested = known.size;
      answer.enrolled = await this.jobs.enrolContacts(ws, id, version, definition.reentry, [
        ...known,
      ]);
      answer.notEnrolled = known.size - answer.enrolled;
    }
    if (body.listId || body.filter) {
      answer.job = await this.jobs.create({
        workspaceId: ws,
        sequenceId: id,
        version,
        selection: { listId: body.listId, ...body.filter },
        createdBy: principal.subject,
      });
    }
    await this.runners.wake(id, ws, { jobs: answer.job !== null }, sequence.name);
    return answer;
  }

  @Get(':id/enrolment-jobs/:jobId')
  @Roles('viewer')
  @ApiOperation({ summary: 'An enrolment job: contacts processed, enrolled and not enrolled' })
  async job(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Param('jobId', uuid('jobId')) jobId: string,
  ) {
    const job = await this.jobs.get(principal.workspaceId, id, jobId);
    if (!job) throw new DomainError('not_found', `enrolment job ${jobId} not found`);
    return job;
  }

  @Get(':id/enrolments')
  @Roles('viewer')
  @ApiOperation({ summary: 'Enrolments with their step and status, a page at a time' })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'completed', 'exited'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async enrolments(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Query(new ZodValidationPipe(enrolmentsQuery, 'query')) query: z.infer<typeof enrolmentsQuery>,
  ) {
    await this.found(principal.workspaceId, id);
    const rows = await this.sequences.enrolments(
      principal.workspaceId,
      id,
      query.status,
      query.cursor?.id ?? null,
      query.limit,
    );
    return {
      enrolments: rows,
      nextCursor: nextCursor(rows, query.limit, (e) => ({ id: e.workflowId })),
    };
  }

  @Get(':id/replies')
  @Roles('viewer')
  @ApiOperation({
    summary:
      "Messages attributed to the sequence's drip messages, with their step, newest first, a page at a time",
  })
  @ApiQuery({ name: 'step', required: false, description: 'only replies to this step' })
  @InboundPageQuery()
  async replies(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Query(new ZodValidationPipe(repliesQuery, 'query')) query: z.infer<typeof repliesQuery>,
  ) {
    await this.found(principal.workspaceId, id);
    const replies = await this.inbound.page(
      principal.workspaceId,
      { sequenceId: id, step: query.step },
      query.cursor ?? null,
      query.limit,
    );
    return { replies, nextCursor: inboundNextCursor(replies, query.limit) };
  }

  @Get(':id/enrolments/:contactId')
  @Roles('viewer')
  @ApiOperation({
    summary:
      "One contact's journey: version, step, due time, what it waits for, and its steps, events and messages in order",
  })
  async journey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Param('contactId', uuid('contactId')) contactId: string,
  ) {
    await this.found(principal.workspaceId, id);
    const journey = await this.sequences.journey(principal.workspaceId, id, contactId);
    if (!journey)
      throw new DomainError('not_found', `contact ${contactId} was never enrolled here`);
    return journey;
  }

  @Delete(':id/enrolments/:contactId')
  @Roles('operator')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a contact from the sequence: its enrolment ends cleanly' })
  async removeEnrolment(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Param('contactId', uuid('contactId')) contactId: string,
  ) {
    await this.found(principal.workspaceId, id);
    const active = await this.sequences.activeEnrolment(id, contactId);
    const removed = !active
      ? false
      : active.engine === 'runner'
        ? await this.sequences.exit(active.workflow_id, 'removed')
        : await this.drips.remove(active.workflow_id);
    if (!removed) {
      throw new DomainError('not_found', `contact ${contactId} has no active enrolment here`);
    }
  }

  @Post(':id/pause')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hold every enrolment: nothing is sent and nothing advances' })
  @ApiBody({ schema: openApiSchema(controlSchema), required: false })
  async pause(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid('id')) id: string,
    @Body(new ZodValidationPipe(controlSchema)) body: z.infer<typeof controlSchema>,
  ) {
    const sequence = await this.found(principal.workspaceId, id);
    const actor = `api:${principal.subject}`;
    await this.sequences.setPaused(principal.workspaceId, id, true, {
      reason: body.reason ?? null,
      actor,
    });
    await this.runners.pause(
      id,
      principal.workspaceId,
      { reason: body.reason, actor },
      sequence.name,
    );
    return this.found(principal.workspaceId, id);
  }

  @Post(':id/resume')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release the held enrolments' })
  async resume(@CurrentPrincipal() principal: Principal, @Param('id', uuid('id')) id: string) {
    const sequence = await this.found(principal.workspaceId, id);
    const actor = `api:${principal.subject}`;
    await this.sequences.setPaused(principal.workspaceId, id, false, { reason: null, actor });
    await this.runners.resume(id, principal.workspaceId, { actor }, sequence.name);
    // Enrolments still run by their per-contact workflow hold until told.
    const legacy = await this.sequences.legacyWorkflowIds(id);
    for (let i = 0; i < legacy.length; i += CONCURRENCY) {
      await Promise.all(legacy.slice(i, i + CONCURRENCY).map((w) => this.drips.resume(w)));
    }
    return this.found(principal.workspaceId, id);
  }

  private async found(workspaceId: string, id: string) {
    const sequence = await this.sequences.get(workspaceId, id);
    if (!sequence) throw new DomainError('not_found', `sequence ${id} not found`);
    return sequence;
  }

  private async check(workspaceId: string, draft: SequenceDefinition) {
    const parsed = sequenceDefinitionSchema.safeParse(draft);
    if (!parsed.success) {
      return {
        valid: false,
        issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })),
        requiredAttributes: [],
      };
    }
    const issues: SequenceIssue[] = validateSequence(parsed.data);
    const required = new Set<string>();
    for (const ref of sequenceTemplates(parsed.data)) {
      const template = await this.templates.byName(workspaceId, ref.name, ref.language);
      if (!template) {
        issues.push({
          field: ref.field,
          reason: `template ${ref.name} (${ref.language}) is not registered: POST /v1/templates`,
        });
      } else if (!template.parameterFormat) {
        for (const v of template.variables) required.add(v);
      } else {
        // Every required parameter the step's values do not give is read from the contact.
        for (const p of template.parameters) {
          if (p.required && ref.values?.[p.key] === undefined) required.add(p.key);
        }
        const field = ref.field.replace(/\.(template|fallbackTemplate)$/, '.values');
        for (const issue of checkDefaults(template.model, ref.values ?? {})) {
          issues.push({ field: `${field}.${issue.parameter}`, reason: issue.reason });
        }
      }
    }
    return { valid: issues.length === 0, issues, requiredAttributes: [...required].sort() };
  }
}
