import { Migration } from '@mikro-orm/migrations';

/**
 * An e-mail is unique within a workspace, not across all of them: with one global constraint,
 * adding a user or signing up answered 409 for an e-mail registered in another workspace, which
 * told a stranger that it exists there. The same person may now hold an account in several
 * workspaces; a sign-in names the workspace when the e-mail and password open more than one.
 */
export class Migration20261203080000 extends Migration {
  override name = 'Migration20261203080000';

  override up(): void {
    this.addSql(`alter table "users" drop constraint "users_email_unique";`);
    this.addSql(
      `alter table "users" add constraint "users_workspace_id_email_unique" unique ("workspace_id", "email");`,
    );
    this.addSql(`create index "users_email_index" on "users" ("email");`);
  }

  override down(): void {
    this.addSql(`drop index "users_email_index";`);
    this.addSql(`alter table "users" drop constraint "users_workspace_id_email_unique";`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
  }
}
