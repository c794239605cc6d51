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
import { ApiMetrics } from '../observability/api-metrics.js';
import { IngestWebhookUseCase } from './ingest-webhook.use-case.js';

/** Meta's webhook endpoint: the verification handshake and signed event deliveries. */
@ApiExcludeController()
@Public()
@Controller('webhooks/whatsapp')
export class WhatsAppWebhookController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly ingest: IngestWebhookUseCase,
    private readonly metrics: ApiMetrics,
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
    const stop = this.metrics.webhookIntake.startTimer();
    try {
      if (!verifyWebhookSignature(req.rawBody, signature, this.config.WHATSAPP_APP_SECRET)) {
        throw new DomainError('unauthorized', 'missing or invalid X-Hub-Signature-256');
      }
      let webhook;
      try {
        webhook = parseWebhook(req.body);
      } catch (err) {
        if (err instanceof WebhookPayloadError) {
          throw new DomainError('validation_failed', 'unrecognised webhook payload', err.issues);
        }
        throw err;
      }
      for (const s of webhook.statuses) this.metrics.webhookEvents.inc({ kind: s.status });
      this.metrics.webhookEvents.inc({ kind: 'message' }, webhook.messages.length);
      this.metrics.webhookEvents.inc({ kind: 'preference' }, webhook.preferences.length);
      this.metrics.webhookEvents.inc({ kind: 'skipped' }, webhook.skipped.length);
      const result = await this.ingest.execute(webhook);
      this.metrics.statusesApplied.inc(result.applied);
      return result;
    } finally {
      stop();
    }
  }
}
