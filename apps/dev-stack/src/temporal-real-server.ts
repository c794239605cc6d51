import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '#libs/observability';
import { prepareNamespace } from '#libs/temporal';
import { projectRoot } from './layout.js';
import { startProcess, type ServiceProcess } from './processes.js';
import { terminalProgress } from './progress.js';
import { resolveTemporalServer, type TemporalServerBinaries } from './temporal-server-binary.js';

const run = promisify(execFile);

/** The server's configuration template (rendered by the server itself from TEMPORAL_* variables). */
export const TEMPORAL_CONFIG_ROOT = path.join(projectRoot, 'deploy/temporal');
export const TEMPORAL_CONFIG_ENV = 'wa-engine';

export interface TemporalRealServerOptions {
  /** PostgreSQL server URL (user, password, host, port); its database part is ignored. */
  postgresUrl: string;
  /** Databases of the server's own; created when missing. */
  databases?: { main: string; visibility: string };
  /** Frontend port; a free one when unset. */
  port?: number;
  /** Folder for the generated dynamic config file. */
  dataDir: string;
  namespace?: string;
  dynamicConfig?: Record<string, number | string | boolean>;
  /** Serve the Web UI on this port (0: a free one); none when unset. */
  uiPort?: number;
  log?: (line: string) => void;
}

export interface TemporalRealServer {
  address: string;
  /** The Web UI, when it was asked for. */
  uiUrl: string | undefined;
  binaries: TemporalServerBinaries;
  stop(): Promise<void>;
}

/** The script that creates or updates the server's schemas, here and in docker-compose.yml. */
export const TEMPORAL_SCHEMA_SCRIPT = path.join(TEMPORAL_CONFIG_ROOT, 'setup-schema.sh');

/**
 * The TEMPORAL_DB_* variables the server's configuration and the schema script both read (in
 * docker-compose.yml, the `x-temporal-db` block both services share).
 */
function databaseEnv(postgresUrl: string, databases: { main: string; visibility: string }) {
  const url = new URL(postgresUrl);
  return {
    PATH: process.env.PATH,
    TEMPORAL_DB_HOST: url.hostname,
    TEMPORAL_DB_PORT: url.port || '5432',
    TEMPORAL_DB_USER: decodeURIComponent(url.username),
    TEMPORAL_DB_PASSWORD: decodeURIComponent(url.password),
    TEMPORAL_DB_NAME: databases.main,
    TEMPORAL_VISIBILITY_DB_NAME: databases.visibility,
  };
}

/** Creates or updates the server's two schemas with its SQL tool (idempotent). */
export async function setupTemporalSchemas(
  binaries: TemporalServerBinaries,
  postgresUrl: string,
  databases: { main: string; visibility: string },
): Promise<void> {
  await run('sh', [TEMPORAL_SCHEMA_SCRIPT], {
    env: {
      ...databaseEnv(postgresUrl, databases),
      TEMPORAL_SQL_TOOL: binaries.sqlTool,
      TEMPORAL_SCHEMA_DIR: binaries.schemaDir,
    },
  });
}

/**
 * The Temporal server (not the CLI's dev server) on PostgreSQL, with four history shards, its
 * schemas set up by its SQL tool, the namespace registered and the project's search attributes
 * added. Every port binds 127.0.0.1.
 */
export async function startTemporalRealServer(
  options: TemporalRealServerOptions,
): Promise<TemporalRealServer> {
  const log = options.log ?? (() => undefined);
  const progress = terminalProgress('building the Temporal server (once): packages compiled');
  const binaries = await resolveTemporalServer({ log, progress: progress.update });
  progress.end();
  const databases = options.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };
  await setupTemporalSchemas(binaries, options.postgresUrl, databases);

  await mkdir(options.dataDir, { recursive: true });
  const dynamicConfigFile = path.join(options.dataDir, 'temporal-dynamic-config.yaml');
  // YAML is a superset of JSON: each key takes a list of constrained values.
  await writeFile(
    dynamicConfigFile,
    JSON.stringify(
      Object.fromEntries(
        Object.entries(options.dynamicConfig ?? {}).map(([key, value]) => [key, [{ value }]]),
      ),
      null,
      2,
    ),
  );
  const port = options.port ?? (await freePort());
  // The server keeps membership ports in a smallint column.
  const membershipPort = async () => String(await freePort({ below: 32_768 }));
  const env: NodeJS.ProcessEnv = {
    ...databaseEnv(options.postgresUrl, databases),
    TEMPORAL_FRONTEND_PORT: String(port),
    TEMPORAL_HTTP_PORT: String(await freePort()),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_MATCHING_PORT: String(await freePort()),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_HISTORY_PORT: String(await freePort()),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_WORKER_PORT: String(await freePort()),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_DYNAMIC_CONFIG_FILE: dynamicConfigFile,
  };
  const server: ServiceProcess = startProcess(
    'temporal-server',
    binaries.server,
    [
      '--root',
      TEMPORAL_CONFIG_ROOT,
      '--config',
      'config',
      '--env',
      TEMPORAL_CONFIG_ENV,
      '--allow-no-auth',
      'start',
    ],
    env,
    (line) => {
      // While its services find each other the server logs passing errors: keep the fatal ones.
      if (/"level":"(fatal|panic)"|^\[temporal-server\] (panic|goroutine)/.test(line)) log(line);
    },
  );
  const address = `127.0.0.1:${port}`;
  try {
    const exited = server.exited.then((code) => {
      throw new Error(`the Temporal server exited with code ${code} while starting`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      prepareNamespace({ address, namespace: options.namespace ?? 'default', log }),
      exited,
    ]);
  } catch (err) {
    await server.stop();
    throw err;
  }
  log(`Temporal server ${binaries.version} (${binaries.source}) on ${address}, on PostgreSQL`);
  let ui: { url: string; process: ServiceProcess } | undefined;
  if (options.uiPort !== undefined) {
    try {
      ui = await startWebUi(binaries, address, options.uiPort, options);
    } catch (err) {
      await server.stop();
      throw err;
    }
  }
  return {
    address,
    uiUrl: ui?.url,
    binaries,
    async stop() {
      await ui?.process.stop();
      await server.stop(30_000);
    },
  };
}

/**
 * The Temporal Web UI for the server, bound to 127.0.0.1: the UI server reads its settings from
 * a config folder, written here for this server's address and the UI's port.
 */
async function startWebUi(
  binaries: TemporalServerBinaries,
  address: string,
  uiPort: number,
  options: TemporalRealServerOptions,
): Promise<{ url: string; process: ServiceProcess }> {
  const port = uiPort || (await freePort());
  const root = path.join(options.dataDir, 'temporal-ui');
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(
    path.join(root, 'config', 'development.yaml'),
    JSON.stringify({
      temporalGrpcAddress: address,
      host: '127.0.0.1',
      port,
      enableUi: true,
      defaultNamespace: options.namespace ?? 'default',
      notifyOnNewVersion: false,
      cors: { allowOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`] },
    }),
  );
  const ui = startProcess(
    'temporal-ui',
    binaries.ui,
    ['--root', root, '--config', 'config', '--env', 'development', 'start'],
    { PATH: process.env.PATH },
    // It logs every request; keep what went wrong.
    (line) => {
      if (/panic|fatal|"status":5\d\d/i.test(line)) options.log?.(line);
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let exited = false;
  void ui.exited.then(() => (exited = true));
  for (;;) {
    const ok = await fetch(`${url}/api/v1/settings`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, process: ui };
    if (exited || Date.now() > deadline) {
      await ui.stop();
      throw new Error(`the Temporal Web UI did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
