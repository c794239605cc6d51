import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Campaign } from './entities/campaign.entity.js';
import { Recipient } from './entities/recipient.entity.js';
import { migrationsList } from './migrations/index.js';

export interface OrmSettings {
  databaseUrl: string;
  /** Connection pool ceiling; the worker sizes it to its activity concurrency. */
  poolMax?: number;
  debug?: boolean;
}

export const entities = [Campaign, Recipient];

/** One ORM configuration for the API, the worker, migrations and tests. */
export function ormOptions(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: settings.poolMax ?? 10 },
    debug: settings.debug ?? false,
    // Schema comes from the checked-in migrations only, never from auto-sync.
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      // Migrations are written by hand; no schema snapshot files are wanted at run time.
      snapshot: false,
    },
  });
}
