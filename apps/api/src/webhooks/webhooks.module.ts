import { Module } from '@nestjs/common';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { AccountSignalsUseCase } from './account-signals.use-case.js';
import { IngestWebhookUseCase } from './ingest-webhook.use-case.js';
import { StatusSignalBatcher } from './status-signal-batcher.js';
import { WebhookAccounts } from './webhook-accounts.js';
import { WhatsAppWebhookController } from './whatsapp-webhook.controller.js';

@Module({
  imports: [RateLimitsModule],
  controllers: [WhatsAppWebhookController],
  providers: [AccountSignalsUseCase, IngestWebhookUseCase, StatusSignalBatcher, WebhookAccounts],
})
export class WebhooksModule {}
