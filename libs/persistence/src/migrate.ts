import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from './orm.config.js';

/** Applies every pending migration; returns the names applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const orm = await MikroORM.init(ormOptions({ databaseUrl, poolMax: 1 }));
  try {
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}
