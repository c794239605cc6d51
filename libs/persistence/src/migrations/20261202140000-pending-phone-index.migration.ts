import { Migration } from '@mikro-orm/migrations';

/**
 * The pending-phone index names `phone is not null` in its predicate, so the planner only takes
 * it for a query naming a number (an opt-out withdrawing that number's unsent rows) and never for
 * the send path's claims, which filter on status alone. Databases that ran the contacts migration
 * carry the index without that clause; this rebuilds it.
 */
export class Migration20261202140000 extends Migration {
  override name = 'Migration20261202140000';

  override up(): void {
    this.addSql(`drop index if exists "recipients_pending_phone_index";`);
    this.addSql(
      `create index "recipients_pending_phone_index" on "recipients" ("phone") where status = 'pending' and phone is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "recipients_pending_phone_index";`);
    this.addSql(
      `create index "recipients_pending_phone_index" on "recipients" ("phone") where status = 'pending';`,
    );
  }
}
