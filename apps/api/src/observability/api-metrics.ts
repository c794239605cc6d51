import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CampaignRepository } from '#libs/persistence';

/**
 * The API's Prometheus metrics. Campaigns by status and recipients by state are read from
 * PostgreSQL when scraped, so every API replica reports the same truth.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  readonly webhookEvents = new Counter({
    name: 'wa_webhook_events_total',
    help: 'Webhook events received, by kind (status sent/delivered/read/failed, message, preference, skipped)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly webhookIntake = new Histogram({
    name: 'wa_webhook_intake_seconds',
    help: 'Time to verify, parse and apply one webhook delivery',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly statusesApplied = new Counter({
    name: 'wa_webhook_statuses_applied_total',
    help: 'Status events that moved a recipient forward (the rest were duplicates or late)',
    registers: [this.registry],
  });

  constructor(campaigns: CampaignRepository) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'wa_campaigns',
      help: 'Campaigns by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [status, n] of Object.entries(await campaigns.countByStatus())) {
          this.set({ status }, n);
        }
      },
    });
    new Gauge({
      name: 'wa_recipients',
      help: 'Recipients of campaigns still open, by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await campaigns.openRecipientsByState())) {
          this.set({ state }, n);
        }
      },
    });
  }
}
