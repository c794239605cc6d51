import { Migration } from '@mikro-orm/migrations';

/**
 * A stop a delivery status asked of a campaign (pause on 131048, fail on a template that no
 * longer exists), written with the status itself so that neither an API restart nor a failed
 * signal loses it; the campaign's next claim carries it out, and it clears once the campaign
 * has paused or closed.
 */
export class Migration20261202170000 extends Migration {
  override name = 'Migration20261202170000';

  override up(): void {
    this.addSql(`alter table "campaigns" add "stop_request" jsonb null`);
  }

  override down(): void {
    this.addSql(`alter table "campaigns" drop column "stop_request"`);
  }
}
