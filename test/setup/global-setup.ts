import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '#libs/config';
import { startInfrastructure, type Infrastructure } from '#libs/dev-stack';
import { z } from 'zod';

// The global setup runs outside Jest's module system: it resolves `#libs/*` through package.json
// to the built code and cannot import sibling TypeScript files.
const setupSettingsSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
});

declare global {
  var __testInfrastructure: Infrastructure | undefined;
}

/**
 * One PostgreSQL and one Temporal dev server for the whole run. DATABASE_URL or TEMPORAL_ADDRESS
 * point at existing servers instead; either way the run gets a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  const settings = loadConfig(setupSettingsSchema);
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-test-'));
  // Under root the server runs as the postgres user, which must be able to enter it.
  await chmod(dir, 0o755);
  const infra = await startInfrastructure({
    databaseUrl: settings.DATABASE_URL,
    temporalAddress: settings.TEMPORAL_ADDRESS,
    databaseName: `wa_test_${Date.now()}_${process.pid}`,
    freshDatabase: true,
    embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
    log: (line) => process.stderr.write(`[test-setup] ${line}\n`),
  });
  globalThis.__testInfrastructure = infra;
  process.env.TEST_DATABASE_URL = infra.databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = infra.temporalAddress;
}
