import {
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '#libs/domain';
import {
  answerVerificationChallenge,
  parseWebhook,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
  WebhookPayloadError,
} from '#libs/whatsapp';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { Public } from '../auth/public.decorator.js';
import { IngestWebhookUseCase } from './ingest-webhook.use-case.js';

/** Meta's webhook endpoint: the verification handshake and signed event deliveries. */
@ApiExcludeController()
@Public()
@Controller('webhooks/whatsapp')
export class WhatsAppWebhookController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly ingest: IngestWebhookUseCase,
  ) {}

  @Get()
  @Header('content-type', 'text/plain')
  verify(@Query() query: Record<string, unknown>): string {
    const challenge = answerVerificationChallenge(query, this.config.WEBHOOK_VERIFY_TOKEN);
    if (challenge === null) throw new DomainError('forbidden', 'verification token mismatch');
    return challenge;
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
  ) {
    if (!verifyWebhookSignature(req.rawBody, signature, this.config.WHATSAPP_APP_SECRET)) {
      throw new DomainError('unauthorized', 'missing or invalid X-Hub-Signature-256');
    }
    try {
      return await this.ingest.execute(parseWebhook(req.body));
    } catch (err) {
      if (err instanceof WebhookPayloadError) {
        throw new DomainError('validation_failed', 'unrecognised webhook payload', err.issues);
      }
      throw err;
    }
  }
}
