import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '#libs/config';
import {
  freePort,
  startInfrastructure,
  startTemporalRealServer,
  temporalServerSetting,
  type Infrastructure,
} from '#dev-stack';
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
  /** Without TEMPORAL_ADDRESS: the dev server (default) or the real server on PostgreSQL. */
  TEMPORAL_SERVER: temporalServerSetting,
  /** With TEMPORAL_ADDRESS: the Web UI of that server, for the browser test. */
  TEMPORAL_UI_URL: z.url().optional(),
});

/**
 * The dev server's history limits, lowered for the whole run so that every workflow in the
 * suite continues as new often (production defaults: 4,096 events and 10,000 signals).
 */
export const TEST_TEMPORAL_LIMITS = {
  'limit.historyCount.suggestContinueAsNew': 250,
  'history.maximumSignalsPerExecution': 400,
};

declare global {
  var __testInfrastructure: Infrastructure | undefined;
  var __testControl: Server | undefined;
  var __testRealTemporal: { stop(): Promise<void> } | undefined;
}

/**
 * One PostgreSQL and one Temporal dev server for the whole run. DATABASE_URL or TEMPORAL_ADDRESS
 * point at existing servers instead; either way the run gets a database of its own. Test files
 * reach the setup's own process through a small control endpoint (to restart Temporal).
 */
export default async function globalSetup(): Promise<void> {
  const settings = loadConfig(setupSettingsSchema);
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-test-'));
  // Under root the server runs as the postgres user, which must be able to enter it.
  await chmod(dir, 0o755);
  const databaseName = `wa_test_${Date.now()}_${process.pid}`;
  const infra = await startInfrastructure({
    databaseUrl: settings.DATABASE_URL,
    temporalAddress: settings.TEMPORAL_ADDRESS,
    databaseName,
    freshDatabase: true,
    embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
    temporal: {
      server: settings.TEMPORAL_SERVER,
      dataDir: dir,
      dbFilename: path.join(dir, 'temporal.sqlite'),
      dynamicConfig: TEST_TEMPORAL_LIMITS,
      // The Web UI too: the browser test drives it as an operator would.
      uiPort: await freePort(),
    },
    log: (line) => process.stderr.write(`[test-setup] ${line}\n`),
  });
  globalThis.__testInfrastructure = infra;

  // Beside the dev server, one real Temporal server (on this run's PostgreSQL, databases of its
  // own) for the tests that also run against it. With TEMPORAL_SERVER=real the run's server is it.
  const ownReal = settings.TEMPORAL_SERVER !== 'real';
  const startReal = (port?: number) =>
    startTemporalRealServer({
      postgresUrl: infra.databaseUrl,
      databases: { main: `${databaseName}_temporal`, visibility: `${databaseName}_temporal_vis` },
      port,
      dataDir: dir,
      dynamicConfig: TEST_TEMPORAL_LIMITS,
      log: (line) => process.stderr.write(`[test-setup] ${line}\n`),
    });
  let real = ownReal ? await startReal() : undefined;
  globalThis.__testRealTemporal = { stop: () => real?.stop() ?? Promise.resolve() };
  const realAddress = real?.address ?? infra.temporalAddress;
  process.env.TEST_REAL_TEMPORAL_ADDRESS = realAddress;
  const restartReal = async () => {
    if (!real) return infra.restartTemporal();
    await real.stop();
    real = await startReal(Number(realAddress.split(':').pop()));
  };
  process.env.TEST_DATABASE_URL = infra.databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = infra.temporalAddress;
  process.env.TEST_TEMPORAL_OWNED = settings.TEMPORAL_ADDRESS ? '' : '1';
  process.env.TEST_TEMPORAL_UI_URL = infra.temporalUiUrl ?? settings.TEMPORAL_UI_URL ?? '';
  process.env.TEST_TEMPORAL_MAX_SIGNALS = String(
    TEST_TEMPORAL_LIMITS['history.maximumSignalsPerExecution'],
  );

  const token = randomBytes(16).toString('hex');
  const control = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
    if (req.method === 'POST' && req.url?.startsWith('/temporal/restart')) {
      const which = new URL(req.url, 'http://control').searchParams.get('server');
      (which === 'real' ? restartReal() : infra.restartTemporal()).then(
        () => res.writeHead(204).end(),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  globalThis.__testControl = control;
  process.env.TEST_CONTROL_URL = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  process.env.TEST_CONTROL_TOKEN = token;
}
