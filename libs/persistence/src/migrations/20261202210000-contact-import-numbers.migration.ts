import { Migration } from '@mikro-orm/migrations';

/**
 * The numbers a contacts import has written so far, one row per number and import, so that a
 * number repeated anywhere in a file is found by PostgreSQL instead of by a set in the API that
 * grows with the file. Rows live only while their import runs; unlogged, as nothing in it needs
 * to survive a crash (an import cut off by one has failed anyway).
 */
export class Migration20261202210000 extends Migration {
  override name = 'Migration20261202210000';

  override up(): void {
    this.addSql(
      `create unlogged table "contact_import_numbers" ("import_id" uuid not null, "phone" varchar(16) not null, "created_at" timestamptz not null default now(), primary key ("import_id", "phone"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table "contact_import_numbers"`);
  }
}
