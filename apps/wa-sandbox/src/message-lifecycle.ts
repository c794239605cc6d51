import type { Behaviour } from './behaviour.js';
import type { LogPosition } from './message-log.js';
import { errorDetails, errorTitle } from './cloud-api-errors.js';
import type { Pricing } from './pricing.js';
import type { Random } from './random.js';
import { inboundItem, statusItem, unixSeconds, type WebhookItem } from './webhook-envelope.js';
import { randomWamid } from './wamid.js';

/** Where the webhooks of accepted sends go; the dispatcher, or a fake in tests. */
export interface WebhookSink {
  schedule(item: WebhookItem, delayMs: number): void;
}

export interface AcceptedSend {
  wamid: string;
  phoneNumberId: string;
  to: string;
  callbackData?: string;
  /** Accepted, but the provider will report it failed with this error code. */
  failWith?: number;
  /** Carried by its sent, delivered and read statuses (a failed one is not charged). */
  pricing?: Pricing;
  /** Where the send is logged, so the log records which of its statuses were taken. */
  logPosition?: LogPosition;
}

const STATUSES = ['sent', 'delivered', 'read'] as const;

/**
 * Plans the webhooks that follow an accepted send: sent, delivered and (for `readRatio` of
 * them) read; a failed status instead when a fault says so; and, as the behaviour settings ask,
 * duplicated events, events out of order and inbound replies.
 */
export function scheduleLifecycle(
  send: AcceptedSend,
  behaviour: Behaviour,
  random: Random,
  sink: WebhookSink,
  acceptedAtMs: number,
  /** A simulated reply opens the user's customer service window when it is due. */
  onReply?: (from: string, atMs: number) => void,
): void {
  const delays = behaviour.statusDelaysMs;
  const chance = (ratio: number) => ratio > 0 && (ratio >= 1 || random() < ratio);
  const emit = (item: WebhookItem, delayMs: number) => {
    sink.schedule(item, delayMs);
    if (chance(behaviour.duplicateRatio)) sink.schedule(item, delayMs);
  };
  const status = (
    name: (typeof STATUSES)[number] | 'failed',
    delayMs: number,
    errors?: { code: number; title: string; message: string; error_data: { details: string } }[],
  ) =>
    statusItem(
      send.phoneNumberId,
      {
        id: send.wamid,
        status: name,
        // The time the status happened, even when its webhook is made to arrive out of order.
        timestamp: unixSeconds(acceptedAtMs + delayMs),
        recipient_id: send.to,
        ...(send.callbackData !== undefined ? { biz_opaque_callback_data: send.callbackData } : {}),
        ...(errors ? { errors } : send.pricing ? { pricing: send.pricing } : {}),
      },
      send.logPosition,
    );

  if (send.failWith !== undefined) {
    const code = send.failWith;
    const error = { code, title: errorTitle(code), message: errorTitle(code) };
    emit(
      status('failed', delays[0], [{ ...error, error_data: { details: errorDetails(code) } }]),
      delays[0],
    );
    return;
  }

  const read = chance(behaviour.readRatio);
  const count = read ? 3 : 2;
  // Out of order: the delays are handed out in reverse, so read (or delivered) arrives first.
  const reversed = chance(behaviour.outOfOrderRatio);
  for (let i = 0; i < count; i++) {
    const arrival = reversed ? delays[count - 1 - i] : delays[i];
    emit(status(STATUSES[i], delays[i]), arrival);
  }

  const replies = behaviour.replies;
  if (read && replies && chance(replies.ratio)) {
    const body = chance(replies.stopRatio) ? 'STOP' : replies.text;
    const delayMs = delays[2] + replies.afterMs;
    const reply = inboundItem(send.phoneNumberId, {
      from: send.to,
      id: randomWamid(),
      timestamp: unixSeconds(acceptedAtMs + delayMs),
      type: 'text',
      text: { body },
    });
    sink.schedule(reply, delayMs);
    onReply?.(send.to, acceptedAtMs + delayMs);
  }
}
