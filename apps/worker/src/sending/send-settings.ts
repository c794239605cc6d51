import type { WorkerConfig } from '../worker.config.js';
import type { SendSettings } from './send-session.js';

/**
 * The send path's timing. Reservations start a little ahead of now (time to claim and prepare),
 * are renewed before the last reserved slot, and the dispatch permit runs just ahead of the
 * sends, so a crash leaves at most ~60 ms of reserved-but-unsent rows to settle as unknown.
 */
export function sendSettings(config: WorkerConfig): SendSettings {
  return {
    leadMs: 25,
    maxAheadMs: 2_000,
    quantumMs: config.LIMITER_QUANTUM_MS,
    maxBatch: 500,
    permitAheadMs: 60,
    jitterMs: config.LIMITER_JITTER_MS,
    refillAheadMs: 60,
    idleReturnMs: 5_000,
    maxInFlight: config.SEND_MAX_IN_FLIGHT,
    flushEveryMs: 50,
    flushBatch: 250,
    budgetMs: config.SEND_BUDGET_MS,
    parameterBreaker: 20,
    maxAttempts: config.SEND_MAX_ATTEMPTS,
    throttledRetryMs: 1_000,
  };
}
