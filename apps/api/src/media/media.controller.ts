import { Body, Controller, Get, Post, Query, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError, MEDIA_TYPES } from '#libs/domain';
import { MediaRepository, SettingsRepository } from '#libs/persistence';
import { WhatsAppAccounts } from '#libs/whatsapp';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { callMeta } from '../templates/meta-call.js';

/** The largest file taken: Meta's limit for video and audio (documents may be larger at Meta). */
const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

const fieldsSchema = z.strictObject({
  /** The business number to upload with (default: the workspace's first). */
  phoneNumberId: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric phone-number id')
    .optional(),
});
const pageSchema = z.strictObject({
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

interface UploadedFileShape {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/**
 * Header media uploaded through the API to Meta's POST /{phone-number-id}/media. The media id
 * Meta answers lasts 30 days: it is stored with its kind, size and expiry, and a launch naming
 * an id that is unknown, of the wrong kind or expired before the campaign can send is refused.
 * The file itself is not kept (upload it again for a new id).
 */
@ApiTags('media')
@Controller('v1/media')
export class MediaController {
  constructor(
    private readonly media: MediaRepository,
    private readonly settings: SettingsRepository,
    private readonly accounts: WhatsAppAccounts,
  ) {}

  @Post()
  @Roles('operator')
  @ApiOperation({
    summary:
      'Upload a header image, video or document (multipart field `file`): answers its media id, kind, size and expiry (30 days)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        phoneNumberId: { type: 'string', pattern: '^\\d{1,32}$' },
      },
    },
  })
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_MEDIA_BYTES, files: 1, fields: 4 } }),
  )
  async upload(
    @CurrentPrincipal() principal: Principal,
    @UploadedFile() file: UploadedFileShape | undefined,
    @Body(new ZodValidationPipe(fieldsSchema)) fields: z.infer<typeof fieldsSchema>,
  ) {
    if (!file) {
      throw new DomainError('validation_failed', 'no file', [
        { field: 'file', reason: 'send the file as multipart/form-data field `file`' },
      ]);
    }
    const type = MEDIA_TYPES[file.mimetype.toLowerCase()];
    if (!type) {
      throw new DomainError('validation_failed', 'unsupported media type', [
        {
          field: 'file',
          reason: `${file.mimetype.slice(0, 100)} is not a type Meta takes: ${Object.keys(MEDIA_TYPES).join(', ')}`,
        },
      ]);
    }
    if (file.size > type.maxBytes) {
      throw new DomainError('payload_too_large', 'file too large', [
        { field: 'file', reason: `${type.kind} files are at most ${type.maxBytes} bytes at Meta` },
      ]);
    }
    const senders = await this.settings.sendersOf(principal.workspaceId);
    const phoneNumberId = fields.phoneNumberId ?? senders[0];
    if (!phoneNumberId || !senders.includes(phoneNumberId)) {
      throw new DomainError('validation_failed', 'not a number of this workspace', [
        { field: 'phoneNumberId', reason: 'must be one of the workspace phone-number ids' },
      ]);
    }
    const filename = file.originalname.replace(/[^\w.\- ]/g, '_').slice(0, 255) || 'upload';
    const client = await callMeta('settings', () => this.accounts.clientFor(principal.workspaceId));
    const { id } = await callMeta('file', () =>
      client.uploadMedia(phoneNumberId, {
        data: file.buffer,
        mimeType: file.mimetype.toLowerCase(),
        filename,
      }),
    );
    return this.media.record(principal.workspaceId, {
      mediaId: id,
      phoneNumberId,
      kind: type.kind,
      mimeType: file.mimetype.toLowerCase(),
      filename,
      sizeBytes: file.size,
    });
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's uploaded media, newest first, with their expiry" })
  @ApiQuery({ name: 'before', required: false, description: 'uploaded before this time' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(pageSchema, 'query')) query: z.infer<typeof pageSchema>,
  ) {
    const media = await this.media.list(
      principal.workspaceId,
      query.before ? new Date(query.before) : null,
      query.limit,
    );
    return { media };
  }
}
