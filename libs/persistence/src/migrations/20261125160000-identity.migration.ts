import { Migration } from '@mikro-orm/migrations';

/**
 * Identity and workspaces: users, rotating refresh tokens, API keys, an append-only audit log,
 * failed-login counters, idempotency keys, templates, and per-workspace WhatsApp credentials
 * and senders.
 */
export class Migration20261125160000 extends Migration {
  override name = 'Migration20261125160000';

  override up(): void {
    this.addSql(
      `create table "audit_log" ("id" bigserial primary key, "at" timestamptz not null default now(), "workspace_id" uuid null, "actor" varchar(320) not null, "action" varchar(64) not null, "target" varchar(320) null, "ip" varchar(64) null, "details" jsonb null);`,
    );
    this.addSql(
      `create index "audit_log_workspace_id_id_index" on "audit_log" ("workspace_id", "id");`,
    );
    this.addSql(
      `create table "idempotency_keys" ("workspace_id" uuid not null, "key" varchar(200) not null, "request_hash" varchar(64) null, "status_code" int null, "response" jsonb null, "created_at" timestamptz not null default now(), primary key ("workspace_id", "key"));`,
    );
    this.addSql(
      `create table "login_failures" ("key" varchar(400) not null, "failures" int not null default 0, "first_at" timestamptz not null default now(), "locked_until" timestamptz null, primary key ("key"));`,
    );
    this.addSql(
      `create table "workspaces" ("id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create table "whatsapp_accounts" ("workspace_id" uuid not null, "token_enc" text not null, "app_secret_enc" text not null, "verify_token_enc" text not null, "updated_at" timestamptz not null default now(), primary key ("workspace_id"));`,
    );
    this.addSql(
      `create table "users" ("id" uuid not null, "workspace_id" uuid not null, "email" varchar(320) not null, "password_hash" varchar(100) not null, "role" text not null, "created_at" timestamptz not null default now(), "disabled_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(
      `create table "refresh_tokens" ("id" uuid not null, "family_id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);
    this.addSql(
      `create table "templates" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(512) not null, "language" varchar(16) not null, "category" text not null, "components" jsonb not null, "variables" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "templates" add constraint "templates_workspace_id_name_language_unique" unique ("workspace_id", "name", "language");`,
    );
    this.addSql(
      `create table "senders" ("phone_number_id" varchar(32) not null, "workspace_id" uuid not null, "created_at" timestamptz not null default now(), primary key ("phone_number_id"));`,
    );
    this.addSql(
      `create table "api_keys" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(200) not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "role" text not null, "created_by" varchar(320) not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`,
    );
    this.addSql(
      `alter table "whatsapp_accounts" add constraint "whatsapp_accounts_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "users" add constraint "users_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "users" add constraint "users_role_check" check ("role" in ('viewer', 'operator', 'admin'));`,
    );
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "templates" add constraint "templates_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "templates" add constraint "templates_category_check" check ("category" in ('MARKETING', 'UTILITY', 'AUTHENTICATION'));`,
    );
    this.addSql(
      `alter table "senders" add constraint "senders_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_role_check" check ("role" in ('viewer', 'operator', 'admin'));`,
    );
    // Campaigns and audiences belonged to a free-form tenant name; each name becomes a workspace.
    this.addSql(`insert into "workspaces" ("id", "name")
      select gen_random_uuid(), t from (select "tenant_id" as t from "campaigns"
        union select "tenant_id" from "audiences") as names;`);
    for (const table of ['campaigns', 'audiences']) {
      this.addSql(`update "${table}" as x set "tenant_id" = w."id"::text
        from "workspaces" as w where w."name" = x."tenant_id";`);
      this.addSql(`alter table "${table}" rename column "tenant_id" to "workspace_id";`);
      this.addSql(
        `alter table "${table}" alter column "workspace_id" type uuid using "workspace_id"::uuid;`,
      );
      this.addSql(
        `alter table "${table}" add constraint "${table}_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
      );
    }
    this.addSql(`create index "audiences_workspace_id_index" on "audiences" ("workspace_id");`);
    this.addSql(
      `create index "campaigns_workspace_id_created_at_id_index" on "campaigns" ("workspace_id", "created_at", "id");`,
    );
    // The audit log is append-only: nothing may change or remove an event.
    this.addSql(`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'the audit log is append-only';
      end $$;`);
    this.addSql(`create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_append_only();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists audit_log_append_only on audit_log;`);
    this.addSql(`drop function if exists audit_log_append_only();`);
    for (const table of [
      'api_keys',
      'senders',
      'templates',
      'refresh_tokens',
      'users',
      'whatsapp_accounts',
      'workspaces',
      'login_failures',
      'idempotency_keys',
      'audit_log',
    ]) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}
