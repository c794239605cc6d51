import { z } from 'zod';
import { loadConfig } from '#libs/config';

/** Set by the global setup for every test file of the system project. */
const testSettingsSchema = z.object({
  TEST_DATABASE_URL: z.string().optional(),
  TEST_TEMPORAL_ADDRESS: z.string().optional(),
  TEST_TEMPORAL_OWNED: z.string().optional(),
  TEST_REAL_TEMPORAL_ADDRESS: z.string().optional(),
  TEST_TEMPORAL_UI_URL: z.string().optional(),
  TEST_TEMPORAL_MAX_SIGNALS: z.coerce.number().optional(),
  TEST_CONTROL_URL: z.string().optional(),
  TEST_CONTROL_TOKEN: z.string().optional(),
});

/** The run's main Temporal (`dev`), or the real Temporal server on PostgreSQL (`real`). */
export type TestTemporal = 'dev' | 'real';

/** The servers the global setup started (or was pointed at) for this run. */
export function testInfrastructure(temporal: TestTemporal = 'dev') {
  const s = loadConfig(testSettingsSchema);
  if (!s.TEST_DATABASE_URL || !s.TEST_TEMPORAL_ADDRESS || !s.TEST_REAL_TEMPORAL_ADDRESS) {
    throw new Error('the system test project must run with its global setup');
  }
  return {
    databaseUrl: s.TEST_DATABASE_URL,
    temporalAddress: temporal === 'real' ? s.TEST_REAL_TEMPORAL_ADDRESS : s.TEST_TEMPORAL_ADDRESS,
    /** The Temporal Web UI of the run's server, when there is one. */
    temporalUiUrl: s.TEST_TEMPORAL_UI_URL,
    /** Temporal's per-execution signal cap in this run. */
    maxSignalsPerExecution: s.TEST_TEMPORAL_MAX_SIGNALS ?? 10_000,
    /** Restarts this Temporal (same port, same database). */
    async restartTemporal() {
      if (temporal === 'dev' && !s.TEST_TEMPORAL_OWNED)
        throw new Error('TEMPORAL_ADDRESS is set: the server is not ours');
      const res = await fetch(`${s.TEST_CONTROL_URL}/temporal/restart?server=${temporal}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.TEST_CONTROL_TOKEN}` },
      });
      if (res.status !== 204) throw new Error(`restart failed: ${res.status} ${await res.text()}`);
    },
  };
}
