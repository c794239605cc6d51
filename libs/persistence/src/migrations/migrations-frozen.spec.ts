import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { migrationsList } from './index.js';

/**
 * A migration that has been committed may already have run somewhere: changing it later leaves
 * those databases on the old schema while new ones get the new one. Each committed migration's
 * SHA-256 is held here; a change of schema is a new migration, never an edit.
 */
const COMMITTED: Record<string, string> = {
  '20261123140656-initial.migration.ts':
    '21699153b9a7e8d0c0396cf336c77e37beb7a5953cc00409398bbe12fdf17bf6',
  '20261125130000-send-engine.migration.ts':
    '7035fd0a42918408b5d84086f0644e50f87d393af16224d0d734396ecccacf04',
  '20261125160000-identity.migration.ts':
    '6225196fccab92b3f9393268b4e6f011711005f904d36f8c0748c2e354174a85',
  '20261125170000-contacts.migration.ts':
    '43c576f9e26fe5ae1e863d8bb8f6e07830302f497f6916d7cdde11861471d578',
  '20261125180000-sequences.migration.ts':
    '2b2b2c994867a027f5a0913cca39bc09337c7e4773b9ab275efa0451101891cf',
  '20261125190000-schedules.migration.ts':
    'e2ec8c2fd7d4951de98a14b5089cad5950581df78b2156f4f2b937409b6ff87b',
  '20261202100000-batched-drips.migration.ts':
    'ba7cd8a5878f82d918e26a5c7abba0d475e0ccf79a272b207349ba2a7346bcab',
  '20261202140000-pending-phone-index.migration.ts':
    'd2da68bc07c32e13f7859f866ab80737928023aae54cb0b5be879899512fdcfe',
  '20261202150000-template-model.migration.ts':
    '43ee98aee6c1cb737299822bec23f79d1c24282824f230cb152a8a81724b1bba',
  '20261202150100-template-values.migration.ts':
    'd59c5f3402bc6b468b55f1b774d77acca8d5f1169145a8c4ee3e3458ec75d1e8',
  '20261202160000-account-signals.migration.ts':
    'fd12f9120b8e073838ed3ce9acfd958ba6de805f90abb5207e7a160ac341b8f3',
  '20261202170000-stop-requests.migration.ts':
    '14d972c28ea5226914b5c5e627dafe80ca846434280e6534b951208ae9396211',
  '20261202210000-contact-import-numbers.migration.ts':
    '9ad1b8ce73c5d0db865da43398e0a0bc15caa87bc011ec3f15b440885c588bf1',
  '20261203080000-user-email-per-workspace.migration.ts':
    '108f201220774ee1878fdbeaa09dfa7aacd841806eeb52b573ccab622d1cdb47',
  '20261203090000-inbound-messages.migration.ts':
    '607d65a552f18e733fe95b7cdf77438de6c84eed4b1851e7878404a97542b8dc',
};

const folder = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.migration.ts'))
  .sort();
const sha256 = (name: string): string =>
  createHash('sha256')
    .update(readFileSync(join(folder, name)))
    .digest('hex');

describe('committed migrations', () => {
  it.each(Object.keys(COMMITTED))('%s is unchanged and still present', (name) => {
    expect(files).toContain(name);
    const actual = sha256(name);
    if (actual !== COMMITTED[name]) {
      throw new Error(
        `${name} changed after it was committed (sha256 ${actual}, committed ${COMMITTED[name]}). ` +
          'Databases that ran it keep the old schema: restore the file and put the change in a new migration.',
      );
    }
  });

  it('lists every migration file with its checksum', () => {
    const unlisted = files.filter((name) => !(name in COMMITTED));
    if (unlisted.length > 0) {
      const lines = unlisted.map((name) => `  '${name}': '${sha256(name)}',`).join('\n');
      throw new Error(
        `New migration(s) not yet in COMMITTED of ${fileURLToPath(import.meta.url)}. ` +
          `Once the file is final (formatted, reviewed), add:\n${lines}\n` +
          'From then on the file must never change.',
      );
    }
  });

  it('registers every migration file, in timestamp order', () => {
    const registered = migrationsList.map(({ name }) => name.replace(/^Migration/, ''));
    expect(registered).toEqual(files.map((name) => name.slice(0, name.indexOf('-'))));
  });
});
