import { Migration } from '@mikro-orm/migrations';

/**
 * Values by parameter key on the send path: a campaign keeps the template model it launched with
 * (a later edit of the template cannot change a running campaign) and its default values; an
 * uploaded member keeps its values by column name and the row it came from, so a launch check
 * names the row.
 */
export class Migration20261202150100 extends Migration {
  override name = 'Migration20261202150100';

  override up(): void {
    this.addSql(
      `alter table "campaigns" add "template_model" jsonb null, add "template_defaults" jsonb null;`,
    );
    this.addSql(`alter table "audience_members" add "values" jsonb null, add "row" int null;`);
    this.addSql(
      `create index "audience_members_audience_id_row_index" on "audience_members" ("audience_id", "row");`,
    );
  }

  override down(): void {
    this.addSql(`drop index "audience_members_audience_id_row_index";`);
    this.addSql(`alter table "audience_members" drop column "values", drop column "row";`);
    this.addSql(
      `alter table "campaigns" drop column "template_model", drop column "template_defaults";`,
    );
  }
}
