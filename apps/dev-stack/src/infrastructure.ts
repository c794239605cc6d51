import { migrate } from '#libs/persistence';
import { ensureDatabase, startEmbeddedDatabase } from './embedded-database.js';
import type { TemporalBinary } from './temporal-binary.js';
import { startTemporalDevServer } from './temporal-dev-server.js';

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
  try {
    // allSettled: if one part fails, the other has finished starting before everything stops.
    const [databasePart, temporalPart] = await Promise.allSettled([
      (async () => {
        let url: string;
        if (options.databaseUrl) {
          url = options.freshDatabase
            ? await ensureDatabase(options.databaseUrl, options.databaseName)
            : options.databaseUrl;
        } else {
          options.log?.('starting embedded PostgreSQL');
          const db = await startEmbeddedDatabase({ ...options.embedded, log: options.log });
          stops.push(() => db.stop());
          url = await ensureDatabase(db.serverUrl, options.databaseName);
        }
        const applied = await migrate(url);
        options.log?.(
          applied.length
            ? `migrations applied: ${applied.join(', ')}`
            : 'database schema is up to date',
        );
        return url;
      })(),
      (async () => {
        if (options.temporalAddress) {
          return { address: options.temporalAddress, uiUrl: undefined, binary: undefined };
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
        current = await startTemporalDevServer({ ...options.temporal, port, log: options.log });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
