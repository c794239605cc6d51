import { Migration20261123140656 } from './20261123140656-initial.migration.js';
import { Migration20261125130000 } from './20261125130000-send-engine.migration.js';
import { Migration20261125160000 } from './20261125160000-identity.migration.js';
import { Migration20261125170000 } from './20261125170000-contacts.migration.js';
import { Migration20261125180000 } from './20261125180000-sequences.migration.js';
import { Migration20261125190000 } from './20261125190000-schedules.migration.js';
import { Migration20261202100000 } from './20261202100000-batched-drips.migration.js';
import { Migration20261202140000 } from './20261202140000-pending-phone-index.migration.js';
import { Migration20261202150000 } from './20261202150000-template-model.migration.js';
import { Migration20261202150100 } from './20261202150100-template-values.migration.js';
import { Migration20261202160000 } from './20261202160000-account-signals.migration.js';
import { Migration20261202170000 } from './20261202170000-stop-requests.migration.js';
import { Migration20261202210000 } from './20261202210000-contact-import-numbers.migration.js';
import { Migration20261203080000 } from './20261203080000-user-email-per-workspace.migration.js';
import { Migration20261203090000 } from './20261203090000-inbound-messages.migration.js';

/** Every migration, in order; listed explicitly so the same list works from sources and dist. */
export const migrationsList = [
  { name: Migration20261123140656.name, class: Migration20261123140656 },
  { name: Migration20261125130000.name, class: Migration20261125130000 },
  { name: Migration20261125160000.name, class: Migration20261125160000 },
  { name: Migration20261125170000.name, class: Migration20261125170000 },
  { name: Migration20261125180000.name, class: Migration20261125180000 },
  { name: Migration20261125190000.name, class: Migration20261125190000 },
  { name: Migration20261202100000.name, class: Migration20261202100000 },
  { name: Migration20261202140000.name, class: Migration20261202140000 },
  { name: Migration20261202150000.name, class: Migration20261202150000 },
  { name: Migration20261202150100.name, class: Migration20261202150100 },
  { name: Migration20261202160000.name, class: Migration20261202160000 },
  { name: Migration20261202170000.name, class: Migration20261202170000 },
  { name: Migration20261202210000.name, class: Migration20261202210000 },
  { name: Migration20261203080000.name, class: Migration20261203080000 },
  { name: Migration20261203090000.name, class: Migration20261203090000 },
];
