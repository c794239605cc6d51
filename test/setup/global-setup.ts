import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureDatabase,
  startEmbeddedDatabase,
  startTemporalDevServer,
  type RunningDatabase,
  type TemporalDevServer,
} from '#libs/dev-stack';
import { loadConfig } from '#libs/config';
import { migrate } from '#libs/persistence';
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

/** What global-teardown needs to stop. */
export interface TestInfrastructure {
  database?: RunningDatabase;
  temporal?: TemporalDevServer;
}

declare global {
  var __testInfrastructure: TestInfrastructure | undefined;
}

/**
 * One PostgreSQL and one Temporal dev server for the whole run. DATABASE_URL or TEMPORAL_ADDRESS
 * point at existing servers instead; either way the run gets a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  const settings = loadConfig(setupSettingsSchema);
  const infra: TestInfrastructure = {};
  globalThis.__testInfrastructure = infra;
  const log = (line: string) => process.stderr.write(`[test-setup] ${line}\n`);

  const [databaseUrl, temporalAddress] = await Promise.all([
    (async () => {
      let serverUrl = settings.DATABASE_URL;
      if (!serverUrl) {
        const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-pg-'));
        // Under root the server runs as the postgres user, which must be able to enter it.
        await chmod(dir, 0o755);
        infra.database = await startEmbeddedDatabase({
          dataDir: path.join(dir, 'data'),
          persistent: false,
        });
        serverUrl = infra.database.serverUrl;
      }
      const url = await ensureDatabase(serverUrl, `wa_test_${Date.now()}_${process.pid}`);
      await migrate(url);
      return url;
    })(),
    (async () => {
      if (settings.TEMPORAL_ADDRESS) return settings.TEMPORAL_ADDRESS;
      infra.temporal = await startTemporalDevServer({ log });
      log(`Temporal CLI ${infra.temporal.binary.version} from ${infra.temporal.binary.source}`);
      return infra.temporal.address;
    })(),
  ]);

  process.env.TEST_DATABASE_URL = databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
}
