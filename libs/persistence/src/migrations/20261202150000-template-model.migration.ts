import { Migration } from '@mikro-orm/migrations';

/**
 * Templates hold Meta's whole model: the parameter format of a Meta definition (null for a
 * legacy registration with a `variables` list), Meta's review status, quality and rejection
 * reason, Meta's id, and where the row came from (registered by hand, or synced from Meta).
 */
export class Migration20261202150000 extends Migration {
  override name = 'Migration20261202150000';

  override up(): void {
    this.addSql(
      `alter table "templates"
         add "parameter_format" text null,
         add "status" text not null default 'APPROVED',
         add "quality" text null,
         add "rejected_reason" text null,
         add "meta_id" text null,
         add "source" text not null default 'manual',
         add "synced_at" timestamptz null;`,
    );
    this.addSql(
      `alter table "templates" add constraint "templates_parameter_format_check" check ("parameter_format" in ('POSITIONAL', 'NAMED'));`,
    );
    this.addSql(
      `alter table "templates" add constraint "templates_source_check" check ("source" in ('manual', 'meta'));`,
    );
  }

  override down(): void {
    this.addSql(
      `alter table "templates"
         drop constraint "templates_source_check",
         drop constraint "templates_parameter_format_check",
         drop column "parameter_format",
         drop column "status",
         drop column "quality",
         drop column "rejected_reason",
         drop column "meta_id",
         drop column "source",
         drop column "synced_at";`,
    );
  }
}
