import { Injectable, Logger } from '@nestjs/common';
import { groupTransitions, type StatusEventInput } from '#libs/domain';
import { RecipientRepository } from '#libs/persistence';
import type { ParsedWebhook } from '#libs/whatsapp';
import { StatusSignalBatcher } from './status-signal-batcher.js';

/** `biz_opaque_callback_data` carries the recipient row id the engine sent it with. */
const recipientIdOf = (callbackData: string | undefined) =>
  callbackData && /^\d{1,18}$/.test(callbackData) ? Number(callbackData) : null;

/**
 * Records delivery statuses idempotently and monotonically, then hands the resulting transitions
 * to the signal batcher.
 */
@Injectable()
export class IngestWebhookUseCase {
  private readonly logger = new Logger(IngestWebhookUseCase.name);

  constructor(
    private readonly recipients: RecipientRepository,
    private readonly signals: StatusSignalBatcher,
  ) {}

  async execute(webhook: ParsedWebhook) {
    const events: StatusEventInput[] = webhook.statuses.map((s) => ({
      recipientId: recipientIdOf(s.callbackData),
      wamid: s.wamid,
      status: s.status,
      at: s.timestamp,
      errorCode: s.error?.code,
      errorMessage: s.error
        ? [s.error.title, s.error.details].filter(Boolean).join(': ')
        : undefined,
    }));
    const changes = await this.recipients.applyStatusEvents(events);
    for (const [campaignId, transitions] of groupTransitions(changes)) {
      this.signals.add(campaignId, transitions);
    }
    if (webhook.messages.length) {
      this.logger.log(`received ${webhook.messages.length} inbound message(s)`);
    }
    return { statuses: events.length, applied: changes.length };
  }
}
