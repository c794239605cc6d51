import { Migration } from '@mikro-orm/migrations';

/**
 * Templates synced with Meta and Meta's signals: a workspace's WhatsApp Business Account id
 * (one workspace per account), the account webhook events it received, and the media it
 * uploaded (Meta keeps a media id 30 days).
 */
export class Migration20261202160000 extends Migration {
  override name = 'Migration20261202160000';

  override up(): void {
    this.addSql(`alter table "whatsapp_accounts" add "waba_id" varchar(32) null;`);
    this.addSql(
      `alter table "whatsapp_accounts" add constraint "whatsapp_accounts_waba_id_unique" unique ("waba_id");`,
    );
    this.addSql(
      `create table "account_events" ("id" bigserial primary key, "workspace_id" uuid not null, "waba_id" varchar(64) null, "field" varchar(64) not null, "event" varchar(64) not null, "template_name" varchar(512) null, "template_language" varchar(32) null, "meta_template_id" varchar(64) null, "display_phone_number" varchar(32) null, "details" jsonb not null, "effects" jsonb not null, "received_at" timestamptz not null default now());`,
    );
    this.addSql(
      `create index "account_events_workspace_id_id_index" on "account_events" ("workspace_id", "id");`,
    );
    this.addSql(
      `create index "account_events_workspace_id_field_id_index" on "account_events" ("workspace_id", "field", "id");`,
    );
    this.addSql(
      `create index "account_events_template_index" on "account_events" ("workspace_id", "template_name", "template_language", "id");`,
    );
    this.addSql(
      `alter table "account_events" add constraint "account_events_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "media" ("id" uuid not null, "workspace_id" uuid not null, "media_id" varchar(64) not null, "phone_number_id" varchar(32) not null, "kind" varchar(16) not null, "mime_type" varchar(128) not null, "filename" varchar(255) not null, "size_bytes" bigint not null, "uploaded_at" timestamptz not null default now(), "expires_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "media_workspace_id_uploaded_at_index" on "media" ("workspace_id", "uploaded_at");`,
    );
    this.addSql(
      `alter table "media" add constraint "media_workspace_id_media_id_unique" unique ("workspace_id", "media_id");`,
    );
    this.addSql(
      `alter table "media" add constraint "media_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "media" cascade;`);
    this.addSql(`drop table if exists "account_events" cascade;`);
    this.addSql(
      `alter table "whatsapp_accounts" drop constraint "whatsapp_accounts_waba_id_unique";`,
    );
    this.addSql(`alter table "whatsapp_accounts" drop column "waba_id";`);
  }
}
