import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The worker's own Prometheus metrics; the Temporal SDK's runtime metrics are served beside. */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly sends = new Counter({
    name: 'wa_sends_total',
    help: 'Provider calls by outcome (sent, failed, unknown, retry, throttled) and error code',
    labelNames: ['outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly throttled = new Counter({
    name: 'wa_provider_throttled_total',
    help: 'Answers 130429 (and 4, 80007): the provider refused a send for throughput',
    labelNames: ['sender'] as const,
    registers: [this.registry],
  });

  readonly limiterWait = new Histogram({
    name: 'wa_limiter_wait_seconds',
    help: 'How long a message waited from its reservation to its send slot',
    buckets: [0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
    registers: [this.registry],
  });

  readonly sendLatency = new Histogram({
    name: 'wa_send_duration_seconds',
    help: 'Round trip of one provider call',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly missedSlots = new Counter({
    name: 'wa_missed_slots_total',
    help: 'Reserved slots missed by more than the jitter allowance, reserved again',
    registers: [this.registry],
  });

  readonly reservations = new Counter({
    name: 'wa_limiter_reservations_total',
    help: 'Reservations by result (claimed, wait, empty, halted, lost)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
