import type { Readable } from 'node:stream';
import { Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError, safeText } from '#libs/domain';
import { AudienceRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { RateLimit } from '../http/rate-limit.js';
import { StreamedBody, UploadBody } from '../http/idempotency.interceptor.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { UploadAudienceUseCase, type UploadFormat } from './upload-audience.use-case.js';

const FORMATS: Record<string, UploadFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

@ApiTags('audiences')
@Controller('v1/audiences')
export class AudiencesController {
  constructor(
    private readonly upload: UploadAudienceUseCase,
    private readonly audiences: AudienceRepository,
  ) {}

  @Post()
  @Roles('operator')
  @RateLimit('import')
  @StreamedBody()
  @ApiOperation({
    summary:
      'Upload an audience of any size as a stream: CSV (header "phone,<variables…>") or NDJSON ({"phone","variables"} per line)',
  })
  @ApiConsumes('text/csv', 'application/x-ndjson')
  @ApiQuery({ name: 'name', required: false })
  create(
    @CurrentPrincipal() principal: Principal,
    @Headers('content-type') contentType: string | undefined,
    @Query('name', new ZodValidationPipe(safeText().trim().min(1).max(200).optional(), 'name'))
    name: string | undefined,
    @UploadBody() body: Readable,
  ) {
    const format = FORMATS[(contentType ?? '').split(';')[0].trim().toLowerCase()];
    if (!format) {
      throw new DomainError(
        'unsupported_media_type',
        'send the audience as text/csv or application/x-ndjson',
        [{ field: 'content-type', reason: `${contentType ?? '(none)'} is not accepted` }],
      );
    }
    return this.upload.execute(principal.workspaceId, name ?? 'upload', format, body);
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'An uploaded audience and its counts' })
  async findOne(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(z.uuid(), 'id')) id: string,
  ) {
    const audience = await this.audiences.findInWorkspace(principal.workspaceId, id);
    if (!audience) throw new DomainError('not_found', `audience ${id} not found`);
    return audience;
  }
}
