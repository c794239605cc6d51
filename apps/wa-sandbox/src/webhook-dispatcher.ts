import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { signWebhookBody } from '#libs/whatsapp';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox.config.js';

interface StatusEvent {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  phoneNumberId: string;
}

const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * Posts signed status webhooks back to the engine, as Meta does: after a delay, several events
 * per delivery, retried on any non-200.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly due: StatusEvent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private flushing = false;
  private stopped = false;

  constructor(@Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig) {}

  /** Schedules sent, delivered and read for an accepted message. */
  scheduleLifecycle(message: {
    wamid: string;
    to: string;
    phoneNumberId: string;
    callbackData?: string;
  }): void {
    if (!this.config.SANDBOX_WEBHOOK_URL) return;
    const statuses = ['sent', 'delivered', 'read'] as const;
    statuses.forEach((status, i) => {
      this.after(this.config.SANDBOX_STATUS_DELAYS_MS[i], () => {
        this.due.push({
          id: message.wamid,
          status,
          timestamp: String(Math.floor(Date.now() / 1000)),
          recipient_id: message.to,
          phoneNumberId: message.phoneNumberId,
          ...(message.callbackData ? { biz_opaque_callback_data: message.callbackData } : {}),
        });
        void this.flush();
      });
    });
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.due.length && !this.stopped) {
        const batch = this.due.splice(0, this.config.SANDBOX_WEBHOOK_BATCH);
        await this.deliver(batch, 1);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async deliver(batch: StatusEvent[], attempt: number): Promise<void> {
    const body = JSON.stringify(this.envelope(batch));
    try {
      const res = await fetch(this.config.SANDBOX_WEBHOOK_URL as string, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signWebhookBody(body, this.config.WHATSAPP_APP_SECRET),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return;
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (attempt >= MAX_DELIVERY_ATTEMPTS || this.stopped) {
        this.logger.error(`dropping ${batch.length} status events: ${(err as Error).message}`);
        return;
      }
      // Meta retries for days; the sandbox retries with a short exponential backoff.
      this.after(Math.min(200 * 2 ** attempt, 10_000), () => void this.deliver(batch, attempt + 1));
    }
  }

  private envelope(batch: StatusEvent[]) {
    const byNumber = new Map<string, StatusEvent[]>();
    for (const e of batch)
      byNumber.set(e.phoneNumberId, [...(byNumber.get(e.phoneNumberId) ?? []), e]);
    return {
      object: 'whatsapp_business_account',
      entry: [...byNumber].map(([phoneNumberId, events]) => ({
        id: 'sandbox-waba',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: this.config.SANDBOX_DISPLAY_PHONE_NUMBER,
                phone_number_id: phoneNumberId,
              },
              statuses: events.map(({ phoneNumberId: _omit, ...status }) => status),
            },
          },
        ],
      })),
    };
  }
}
