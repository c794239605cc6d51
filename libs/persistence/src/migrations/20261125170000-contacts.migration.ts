import { Migration } from '@mikro-orm/migrations';

/**
 * Contacts with their consent, contact lists, the suppression list (opt-outs), and the links
 * a campaign keeps to the contacts it sends to: which list or filter it was launched from, and
 * each recipient's contact (its message history, and what erasure removes).
 */
export class Migration20261125170000 extends Migration {
  override name = 'Migration20261125170000';

  override up(): void {
    this.addSql(
      `create table "contacts" ("id" uuid not null, "workspace_id" uuid not null, "phone" varchar(16) not null, "country" varchar(2) not null, "name" varchar(200) null, "attributes" jsonb not null default '{}', "time_zone" varchar(64) null, "consent_at" timestamptz null, "consent_source" varchar(100) null, "consent_purpose" varchar(200) null, "last_inbound_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "contacts" add constraint "contacts_workspace_id_phone_unique" unique ("workspace_id", "phone");`,
    );
    this.addSql(
      `create index "contacts_workspace_id_id_index" on "contacts" ("workspace_id", "id");`,
    );
    this.addSql(
      `create index "contacts_attributes_index" on "contacts" using gin ("attributes" jsonb_path_ops);`,
    );
    this.addSql(
      `alter table "contacts" add constraint "contacts_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "contact_lists" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "contact_lists" add constraint "contact_lists_workspace_id_name_unique" unique ("workspace_id", "name");`,
    );
    this.addSql(
      `alter table "contact_lists" add constraint "contact_lists_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "contact_list_members" ("list_id" uuid not null, "contact_id" uuid not null, "added_at" timestamptz not null default now(), primary key ("list_id", "contact_id"));`,
    );
    this.addSql(
      `create index "contact_list_members_contact_id_index" on "contact_list_members" ("contact_id");`,
    );
    this.addSql(
      `alter table "contact_list_members" add constraint "contact_list_members_list_id_foreign" foreign key ("list_id") references "contact_lists" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "contact_list_members" add constraint "contact_list_members_contact_id_foreign" foreign key ("contact_id") references "contacts" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "suppressions" ("workspace_id" uuid not null, "phone" varchar(16) not null, "reason" text not null, "detail" varchar(500) null, "created_at" timestamptz not null default now(), primary key ("workspace_id", "phone"));`,
    );
    this.addSql(
      `alter table "suppressions" add constraint "suppressions_reason_check" check ("reason" in ('manual', 'stop_keyword', 'opt_out_button', 'error_131050', 'user_preferences'));`,
    );
    this.addSql(
      `alter table "suppressions" add constraint "suppressions_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "campaigns" add column "contact_list_id" uuid null, add column "contact_filter" jsonb null;`,
    );
    this.addSql(`alter table "recipients" add column "contact_id" uuid null;`);
    this.addSql(
      `create index "recipients_contact_id_index" on "recipients" ("contact_id") where contact_id is not null;`,
    );
    // An opt-out withdraws the number's rows that have not been sent yet, in every campaign.
    this.addSql(
      `create index "recipients_pending_phone_index" on "recipients" ("phone") where status = 'pending';`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "recipients_pending_phone_index";`);
    this.addSql(`drop index if exists "recipients_contact_id_index";`);
    this.addSql(`alter table "recipients" drop column if exists "contact_id";`);
    this.addSql(
      `alter table "campaigns" drop column if exists "contact_list_id", drop column if exists "contact_filter";`,
    );
    this.addSql(`drop table if exists "suppressions" cascade;`);
    this.addSql(`drop table if exists "contact_list_members" cascade;`);
    this.addSql(`drop table if exists "contact_lists" cascade;`);
    this.addSql(`drop table if exists "contacts" cascade;`);
  }
}
