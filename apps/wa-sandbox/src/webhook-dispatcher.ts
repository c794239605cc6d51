import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signWebhookBody } from '#libs/whatsapp';
import { DueQueue } from './due-queue.js';
import { Fifo } from './fifo.js';
import type { SandboxStats } from './sandbox-stats.js';
import { envelopeJson, type WebhookItem } from './webhook-envelope.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
const POST_TIMEOUT_MS = 10_000;

export interface DispatcherOptions {
  url: string;
  appSecret: string;
  batch: number;
  concurrency: number;
  displayPhoneNumber: string;
  /** The account each business number belongs to, for the envelope's `entry.id`. */
  wabaOf: (phoneNumberId: string) => string;
  /** How long a delivery is retried before it is given up on. */
  retryForMs: number;
  stats: SandboxStats;
  /** Told of every item of a delivery answered with 200. */
  acknowledged?: (items: WebhookItem[]) => void;
  warn: (line: string) => void;
}

/**
 * Posts signed webhooks as Meta does: several events per delivery, a few deliveries in flight at
 * once, each retried on any answer but 200 or a network error with an exponential backoff, so a
 * receiver that restarts or loses its database gets them later. Meta retries for days; a
 * stand-in gives up after `retryForMs` and says so.
 */
export class WebhookDispatcher {
  private readonly due = new DueQueue<WebhookItem>((items) => this.enqueue(items));
  private readonly queue = new Fifo<WebhookItem>();
  /** Deliveries whose backoff has passed, sent before new events. */
  private readonly retries: { items: WebhookItem[]; attempt: number; since: number }[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly requests = new Set<ClientRequest>();
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private inFlight = 0;
  private deliveryCount = 0;
  private waiting = 0;
  private closed = false;

  constructor(private readonly options: DispatcherOptions) {
    const https = options.url.startsWith('https:');
    const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.request = https ? httpsRequest : httpRequest;
  }

  /** Events scheduled, queued, in flight or waiting to be retried. */
  get pending(): number {
    return this.waiting;
  }

  /** Posts the item after `delayMs`. Scheduling the same item twice posts it twice. */
  schedule(item: WebhookItem, delayMs: number): void {
    this.waiting++;
    this.due.add(item, delayMs);
  }

  /** Posts the item as soon as a delivery slot is free. */
  post(item: WebhookItem): void {
    this.waiting++;
    this.enqueue([item]);
  }

  /** Stops all deliveries; what has not gone out is abandoned with the process. */
  close(): void {
    this.closed = true;
    this.due.clear();
    for (const timer of this.retryTimers) clearTimeout(timer);
    for (const req of this.requests) req.destroy();
    this.agent.destroy();
  }

  private enqueue(items: WebhookItem[]): void {
    for (const item of items) this.queue.push(item);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.options.concurrency) {
      const retry = this.retries.shift();
      if (retry) this.deliver(retry.items, retry.attempt, retry.since);
      else if (this.queue.length) this.deliver(this.takeBatch(), 1, performance.now());
      else return;
    }
  }

  private takeBatch(): WebhookItem[] {
    const delivery = ++this.deliveryCount;
    const items: WebhookItem[] = [];
    while (items.length < this.options.batch) {
      const next = this.queue.peek();
      // A duplicate waits for a later delivery, as Meta's would arrive separately.
      if (!next || next.delivery === delivery) break;
      next.delivery = delivery;
      items.push(this.queue.shift() as WebhookItem);
    }
    return items;
  }

  private deliver(items: WebhookItem[], attempt: number, since: number): void {
    this.inFlight++;
    const body = Buffer.from(envelopeJson(items, this.options));
    const started = performance.now();
    let settled = false;
    const settle = (status: number | undefined, error?: Error) => {
      if (settled) return;
      settled = true;
      this.requests.delete(req);
      this.inFlight--;
      if (this.closed) return;
      if (status !== undefined)
        this.options.stats.webhookLatency.record(performance.now() - started);
      if (status === 200) this.delivered(items);
      else this.failed(items, attempt, since, error?.message ?? `HTTP ${status}`);
      this.pump();
    };
    const req = this.request(this.options.url, {
      method: 'POST',
      agent: this.agent,
      timeout: POST_TIMEOUT_MS,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-hub-signature-256': signWebhookBody(body, this.options.appSecret),
      },
    });
    this.requests.add(req);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => settle(res.statusCode));
      res.on('error', (err) => settle(undefined, err));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${POST_TIMEOUT_MS} ms`)));
    req.on('error', (err) => settle(undefined, err));
    req.end(body);
  }

  private delivered(items: WebhookItem[]): void {
    this.options.stats.webhooks.deliveries++;
    this.options.stats.webhooks.events += items.length;
    this.waiting -= items.length;
    this.options.acknowledged?.(items);
  }

  private failed(items: WebhookItem[], attempt: number, since: number, reason: string): void {
    const { stats } = this.options;
    stats.webhooks.failedAttempts++;
    const backoffMs = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
    if (performance.now() + backoffMs - since > this.options.retryForMs) {
      stats.webhooks.dropped += items.length;
      this.waiting -= items.length;
      this.options.warn(
        `dropped a webhook delivery of ${items.length} events after ${attempt} attempts: ${reason}`,
      );
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.retries.push({ items, attempt: attempt + 1, since });
      this.pump();
    }, backoffMs);
    this.retryTimers.add(timer);
  }
}
