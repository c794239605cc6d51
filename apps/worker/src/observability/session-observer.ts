import type { SessionObserver } from '../sending/send-session.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Feeds a send session's events into the worker's metrics. */
export function sessionObserver(metrics: WorkerMetrics, sender: string): SessionObserver {
  return {
    reserved(result) {
      metrics.reservations.inc({ result: result.kind });
      if (result.kind !== 'claimed') return;
      for (const row of result.rows) {
        metrics.limiterWait.observe(Math.max(0, row.slotAt - result.dbNow) / 1000);
      }
    },
    answered(_row, verdict, seconds) {
      metrics.sendLatency.observe(seconds);
      const { outcome } = verdict;
      const code = 'code' in outcome && outcome.code !== null ? String(outcome.code) : '';
      metrics.sends.inc({ outcome: verdict.throttled ? 'throttled' : outcome.kind, code });
      if (verdict.throttled) metrics.throttled.inc({ sender });
    },
    missed() {
      metrics.missedSlots.inc();
    },
  };
}
