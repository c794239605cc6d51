import { LatencyHistogram } from './latency-histogram.js';

/** What GET /sandbox/stats reports, apart from the log's own count. */
export class SandboxStats {
  /** Refused sends by the Cloud API error code they were answered with. */
  rejected: Record<string, number> = {};
  /** Injected faults by kind ("error:<code>" for provider errors). */
  injected: Record<string, number> = {};
  readonly webhooks = {
    /** Successful POSTs and the events they carried (duplicates included). */
    deliveries: 0,
    events: 0,
    /** POSTs answered with a non-2xx status or lost to a network error. */
    failedAttempts: 0,
    /** Events given up on after the last retry. */
    dropped: 0,
  };
  /** Round trip of every webhook POST that got an answer, as the receiver's intake latency. */
  readonly webhookLatency = new LatencyHistogram();

  reject(code: number): void {
    this.rejected[code] = (this.rejected[code] ?? 0) + 1;
  }

  inject(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  reset(): void {
    this.rejected = {};
    this.injected = {};
    Object.assign(this.webhooks, { deliveries: 0, events: 0, failedAttempts: 0, dropped: 0 });
    this.webhookLatency.reset();
  }

  report(accepted: number, pendingWebhookEvents: number) {
    const latency = this.webhookLatency;
    return {
      accepted,
      rejected: this.rejected,
      injected: this.injected,
      webhooks: {
        ...this.webhooks,
        pending: pendingWebhookEvents,
        p50Ms: latency.percentile(0.5),
        p99Ms: latency.percentile(0.99),
        maxMs: latency.maxMs,
      },
    };
  }
}
