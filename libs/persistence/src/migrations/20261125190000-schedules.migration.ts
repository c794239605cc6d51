import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled and recurring campaigns: a campaign can wait for its `send_at` (status
 * `scheduled`), and a run of a recurring campaign (a Temporal Schedule) names its schedule.
 */
export class Migration20261125190000 extends Migration {
  override name = 'Migration20261125190000';

  override up(): void {
    this.addSql(`alter table "campaigns" drop constraint if exists "campaigns_status_check";`);
    this.addSql(
      `alter table "campaigns" add constraint "campaigns_status_check" check ("status" in ('scheduled', 'launching', 'running', 'paused', 'completed', 'cancelled', 'failed'));`,
    );
    this.addSql(
      `alter table "campaigns" add "send_at" timestamptz null, add "schedule_id" uuid null;`,
    );
    this.addSql(
      `create index "campaigns_schedule_id_created_at_index" on "campaigns" ("schedule_id", "created_at");`,
    );
  }

  override down(): void {
    this.addSql(`drop index "campaigns_schedule_id_created_at_index";`);
    this.addSql(`alter table "campaigns" drop column "send_at", drop column "schedule_id";`);
    this.addSql(`alter table "campaigns" drop constraint if exists "campaigns_status_check";`);
    this.addSql(
      `alter table "campaigns" add constraint "campaigns_status_check" check ("status" in ('launching', 'running', 'paused', 'completed', 'cancelled', 'failed'));`,
    );
  }
}
