import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startEngine as startEngineOn,
  startInfrastructure,
  type Engine,
  type EngineOptions,
  type Infrastructure,
} from '#dev-stack';
import { TEST_TEMPORAL_LIMITS } from '../setup/global-setup.js';
import { testInfrastructure, type TestTemporal } from '../setup/test-settings.js';

export type { Engine, Infrastructure };

/**
 * The engine's processes against this test run's PostgreSQL and Temporal (or against `servers`,
 * such as a test's own). Workflows roll over well before the run's lowered signal cap.
 */
export const startEngine = (
  options: Omit<EngineOptions, 'databaseUrl' | 'temporalAddress'> = {},
  temporal: TestTemporal = 'dev',
  servers?: { databaseUrl: string; temporalAddress: string },
) => {
  const signals = {
    CAMPAIGN_MAX_SIGNALS_PER_RUN: String(
      Math.floor(testInfrastructure().maxSignalsPerExecution / 4),
    ),
  };
  const { databaseUrl, temporalAddress } = servers ?? testInfrastructure(temporal);
  return startEngineOn({
    databaseUrl,
    temporalAddress,
    ...options,
    api: { ...signals, ...options.api },
    worker: { ...signals, ...options.worker },
  });
};

/**
 * A PostgreSQL and a Temporal server of the calling test's own, with the run's history limits,
 * for a test that restarts them: the run's shared servers serve other test files meanwhile. With
 * `real`, that Temporal server keeps its data in this PostgreSQL, as a deployment's does.
 */
export async function ownInfrastructure(temporal: TestTemporal): Promise<Infrastructure> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-own-'));
  // Under root the server runs as the postgres user, which must be able to enter it.
  await chmod(dir, 0o755);
  const infra = await startInfrastructure({
    databaseName: 'wa_engine',
    freshDatabase: true,
    embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
    temporal: {
      server: temporal,
      dataDir: dir,
      dbFilename: path.join(dir, 'temporal.sqlite'),
      dynamicConfig: TEST_TEMPORAL_LIMITS,
    },
  });
  return {
    ...infra,
    async stop() {
      await infra.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value or the timeout passes, then returns its last result. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** `count` distinct valid mobile numbers (UK 07400 range), in E.164. */
export function testNumbers(count: number, offset = 0): string[] {
  return Array.from(
    { length: count },
    (_, i) => `+447400${String(100000 + offset + i).padStart(6, '0')}`,
  );
}
