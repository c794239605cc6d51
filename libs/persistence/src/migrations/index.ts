import { Migration20261123140656 } from './20261123140656-initial.migration.js';
import { Migration20261125130000 } from './20261125130000-send-engine.migration.js';
import { Migration20261125160000 } from './20261125160000-identity.migration.js';
import { Migration20261125170000 } from './20261125170000-contacts.migration.js';
import { Migration20261125180000 } from './20261125180000-sequences.migration.js';
import { Migration20261125190000 } from './20261125190000-schedules.migration.js';

/** Every migration, in order; listed explicitly so the same list works from sources and dist. */
export const migrationsList = [
  { name: Migration20261123140656.name, class: Migration20261123140656 },
  { name: Migration20261125130000.name, class: Migration20261125130000 },
  { name: Migration20261125160000.name, class: Migration20261125160000 },
  { name: Migration20261125170000.name, class: Migration20261125170000 },
  { name: Migration20261125180000.name, class: Migration20261125180000 },
  { name: Migration20261125190000.name, class: Migration20261125190000 },
];
