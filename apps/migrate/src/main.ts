/** `npm run migrate`: applies the pending migrations to DATABASE_URL. */
import { databaseSettings, loadConfigOrExit } from '#libs/config';
import { migrate } from '#libs/persistence';

const config = loadConfigOrExit(databaseSettings, 'migrate');
const applied = await migrate(config.DATABASE_URL);
process.stdout.write(
  applied.length ? `applied: ${applied.join(', ')}\n` : 'database schema is up to date\n',
);
