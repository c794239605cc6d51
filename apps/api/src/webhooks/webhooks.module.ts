import { Module } from '@nestjs/common';
import { IngestWebhookUseCase } from './ingest-webhook.use-case.js';
import { StatusSignalBatcher } from './status-signal-batcher.js';
import { WebhookAccounts } from './webhook-accounts.js';
import { WhatsAppWebhookController } from './whatsapp-webhook.controller.js';

@Module({
  controllers: [WhatsAppWebhookController],
  providers: [IngestWebhookUseCase, StatusSignalBatcher, WebhookAccounts],
})
export class WebhooksModule {}
