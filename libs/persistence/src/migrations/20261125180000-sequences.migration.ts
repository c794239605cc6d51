import { Migration } from '@mikro-orm/migrations';

/**
 * Drip sequences: drafts, immutable published versions, one enrolment per contact and
 * sequence; the workspace's delivery policy (send window in the recipient's local time,
 * frequency cap); and which campaign rows belong to a sequence's messages.
 */
export class Migration20261125180000 extends Migration {
  override name = 'Migration20261125180000';

  override up(): void {
    this.addSql(
      `create table "sequences" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(200) not null, "draft" jsonb not null, "published_version" int null, "paused_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "sequences" add constraint "sequences_workspace_id_name_unique" unique ("workspace_id", "name");`,
    );
    this.addSql(
      `alter table "sequences" add constraint "sequences_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "sequence_versions" ("sequence_id" uuid not null, "version" int not null, "definition" jsonb not null, "published_by" varchar(320) not null, "published_at" timestamptz not null default now(), primary key ("sequence_id", "version"));`,
    );
    this.addSql(
      `alter table "sequence_versions" add constraint "sequence_versions_sequence_id_foreign" foreign key ("sequence_id") references "sequences" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "enrolments" ("workflow_id" varchar(100) not null, "workspace_id" uuid not null, "sequence_id" uuid not null, "contact_id" uuid not null, "version" int not null, "status" text not null default 'active', "step" varchar(64) null, "awaiting" jsonb not null default '[]', "exit_reason" varchar(200) null, "held_reason" varchar(200) null, "started_at" timestamptz not null default now(), "ended_at" timestamptz null, primary key ("workflow_id"));`,
    );
    this.addSql(
      `alter table "enrolments" add constraint "enrolments_status_check" check ("status" in ('active', 'completed', 'exited'));`,
    );
    this.addSql(
      `create index "enrolments_contact_id_index" on "enrolments" ("contact_id") where status = 'active';`,
    );
    this.addSql(
      `create index "enrolments_sequence_id_status_index" on "enrolments" ("sequence_id", "status");`,
    );
    this.addSql(
      `alter table "enrolments" add constraint "enrolments_sequence_id_foreign" foreign key ("sequence_id") references "sequences" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "workspaces" add column "delivery_policy" jsonb not null default '{}';`,
    );
    this.addSql(
      `alter table "campaigns" add column "kind" text not null default 'campaign', add column "policy_applied_at" timestamptz null;`,
    );
    this.addSql(
      `alter table "campaigns" add constraint "campaigns_kind_check" check ("kind" in ('campaign', 'sequence'));`,
    );
    this.addSql(
      `alter table "recipients" add column "template_name" varchar(512) null, add column "send_key" varchar(300) null;`,
    );
    this.addSql(
      `create unique index "recipients_send_key_unique" on "recipients" ("send_key") where send_key is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "recipients_send_key_unique";`);
    this.addSql(
      `alter table "recipients" drop column if exists "template_name", drop column if exists "send_key";`,
    );
    this.addSql(`alter table "campaigns" drop constraint if exists "campaigns_kind_check";`);
    this.addSql(
      `alter table "campaigns" drop column if exists "kind", drop column if exists "policy_applied_at";`,
    );
    this.addSql(`alter table "workspaces" drop column if exists "delivery_policy";`);
    this.addSql(`drop table if exists "enrolments" cascade;`);
    this.addSql(`drop table if exists "sequence_versions" cascade;`);
    this.addSql(`drop table if exists "sequences" cascade;`);
  }
}
