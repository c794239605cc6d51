import { z } from 'zod';
import { loadConfig } from '#libs/config';

/** Set by the global setup for every test file of the system project. */
const testSettingsSchema = z.object({
  TEST_DATABASE_URL: z.string().optional(),
  TEST_TEMPORAL_ADDRESS: z.string().optional(),
});

/** The servers the global setup started (or was pointed at) for this run. */
export function testInfrastructure(): { databaseUrl: string; temporalAddress: string } {
  const s = loadConfig(testSettingsSchema);
  if (!s.TEST_DATABASE_URL || !s.TEST_TEMPORAL_ADDRESS) {
    throw new Error('the system test project must run with its global setup');
  }
  return { databaseUrl: s.TEST_DATABASE_URL, temporalAddress: s.TEST_TEMPORAL_ADDRESS };
}
