import { startEngine as startEngineOn, type Engine, type EngineOptions } from '#dev-stack';
import { testInfrastructure } from '../setup/test-settings.js';

export type { Engine };

/**
 * The engine's processes against this test run's PostgreSQL and Temporal. Workflows roll over
 * well before the run's lowered signal cap.
 */
export const startEngine = (options: Omit<EngineOptions, 'databaseUrl' | 'temporalAddress'> = {}) =>
  startEngineOn({
    ...testInfrastructure(),
    ...options,
    api: {
      CAMPAIGN_MAX_SIGNALS_PER_RUN: String(
        Math.floor(testInfrastructure().maxSignalsPerExecution / 4),
      ),
      ...options.api,
    },
  });

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
