import { z } from 'zod';
import { migrate } from '#libs/persistence';
import {
  ensureDatabase,
  startEmbeddedDatabase,
  type RunningDatabase,
} from './embedded-database.js';
import type { TemporalBinary } from './temporal-binary.js';
import { startTemporalDevServer } from './temporal-dev-server.js';
import { startTemporalRealServer } from './temporal-real-server.js';

/**
 * TEMPORAL_SERVER, read by `npm start`, the benchmarks and the test harness alike: which
 * Temporal the stack starts when no TEMPORAL_ADDRESS is given. `dev` (the default): the CLI's
 * dev server. `real`: the Temporal server on the stack's PostgreSQL, four history shards.
 */
export const temporalServerSetting = z.enum(['dev', 'real']).default('dev');
export type TemporalServerKind = z.infer<typeof temporalServerSetting>;

export interface InfrastructureOptions {
  /** Use this PostgreSQL server instead of an embedded one. */
  databaseUrl?: string;
  /** Use this Temporal server instead of the dev server. */
  temporalAddress?: string;
  /** Database to create (if missing) and migrate on the embedded server. */
  databaseName: string;
  /**
   * With `databaseUrl`: create `databaseName` on that server instead of using the database the
   * URL names (tests and benchmarks get a database of their own).
   */
  freshDatabase: boolean;
  embedded: { dataDir: string; port?: number; persistent: boolean };
  temporal?: {
    /**
     * `dev`: the CLI's dev server (SQLite, one shard). `real`: the Temporal server on this
     * stack's PostgreSQL, in databases of its own (`<databaseName>_temporal*` when fresh).
     */
    server?: TemporalServerKind;
    /** Folder for the real server's generated files. */
    dataDir?: string;
    port?: number;
    uiPort?: number;
    dbFilename?: string;
    dynamicConfig?: Record<string, number | string | boolean>;
  };
  log?: (line: string) => void;
}

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  temporalBinary: TemporalBinary | undefined;
  /**
   * Stops the Temporal dev server and starts it again on the same port and database file, as
   * a server restart would (tests of durability). Only when the dev server was started here.
   */
  restartTemporal(): Promise<void>;
  /**
   * Restarts the embedded PostgreSQL (fast shutdown, then a start on the same data and port);
   * a real Temporal server started here keeps its data there too, and sees the restart.
   */
  restartDatabase(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * PostgreSQL (migrated) and Temporal for `npm start`, the tests and the benchmarks: the servers
 * named by the caller, or an embedded PostgreSQL and the Temporal dev server started here.
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const stops: (() => Promise<void>)[] = [];
  let current: { stop(): Promise<void> } = { stop: () => Promise.resolve() };
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  let realServerUrl = '';
  let embeddedDatabase: RunningDatabase | undefined;
  const startReal = (serverUrl: string, port?: number) => {
    realServerUrl = serverUrl;
    const prefix = options.freshDatabase ? `${options.databaseName}_` : '';
    return startTemporalRealServer({
      postgresUrl: serverUrl,
      databases: { main: `${prefix}temporal`, visibility: `${prefix}temporal_visibility` },
      port: port ?? options.temporal?.port,
      dataDir: options.temporal?.dataDir ?? options.embedded.dataDir,
      dynamicConfig: options.temporal?.dynamicConfig,
      uiPort: options.temporal?.uiPort,
      log: options.log,
    });
  };
  try {
    // allSettled: if one part fails, the other has finished starting before everything stops.
    // The real Temporal server waits for PostgreSQL; it fails with it when that fails.
    const postgres = {} as { resolve(url: string): void; reject(err: unknown): void };
    const postgresServer = new Promise<string>((resolve, reject) =>
      Object.assign(postgres, { resolve, reject }),
    );
    postgresServer.catch(() => undefined);
    const postgresServerUrl = (url: string) => postgres.resolve(url);
    const [databasePart, temporalPart] = await Promise.allSettled([
      (async () => {
        let url: string;
        if (options.databaseUrl) {
          postgresServerUrl(options.databaseUrl);
          url = options.freshDatabase
            ? await ensureDatabase(options.databaseUrl, options.databaseName)
            : options.databaseUrl;
        } else {
          options.log?.('starting embedded PostgreSQL');
          const db = await startEmbeddedDatabase({ ...options.embedded, log: options.log });
          embeddedDatabase = db;
          stops.push(() => db.stop());
          postgresServerUrl(db.serverUrl);
          url = await ensureDatabase(db.serverUrl, options.databaseName);
        }
        const applied = await migrate(url);
        options.log?.(
          applied.length
            ? `migrations applied: ${applied.join(', ')}`
            : 'database schema is up to date',
        );
        return url;
      })().catch((err: unknown) => {
        postgres.reject(err);
        throw err;
      }),
      (async () => {
        if (options.temporalAddress) {
          return { address: options.temporalAddress, uiUrl: undefined, binary: undefined };
        }
        if (options.temporal?.server === 'real') {
          const serverUrl = await postgresServer;
          options.log?.('starting the Temporal server on PostgreSQL');
          const server = await startReal(serverUrl);
          current = server;
          stops.push(() => current.stop());
          return { address: server.address, uiUrl: server.uiUrl, binary: undefined, stop: true };
        }
        options.log?.('starting the Temporal dev server');
        const server = await startTemporalDevServer({ ...options.temporal, log: options.log });
        current = server;
        stops.push(() => current.stop());
        options.log?.(`Temporal CLI ${server.binary.version ?? ''} from ${server.binary.source}`);
        return server;
      })(),
    ]);
    if (databasePart.status === 'rejected') throw databasePart.reason;
    if (temporalPart.status === 'rejected') throw temporalPart.reason;
    const [databaseUrl, temporal] = [databasePart.value, temporalPart.value];
    return {
      databaseUrl,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      temporalBinary: temporal.binary,
      async restartTemporal() {
        if (!('stop' in temporal)) throw new Error('Temporal was not started here');
        await current.stop();
        const port = Number(temporal.address.split(':').pop());
        current =
          options.temporal?.server === 'real'
            ? await startReal(realServerUrl, port)
            : await startTemporalDevServer({ ...options.temporal, port, log: options.log });
      },
      async restartDatabase() {
        if (!embeddedDatabase) throw new Error('PostgreSQL was not started here');
        await embeddedDatabase.restart();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
