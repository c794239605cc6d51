import { Migration } from '@mikro-orm/migrations';

/** Campaigns and their frozen audience; the rank function keeps status changes monotonic. */
export class Migration20261123140656 extends Migration {
  override name = 'Migration20261123140656';

  override up(): void {
    this.addSql(
      `create table "campaigns" ("id" uuid not null, "tenant_id" varchar(64) not null, "name" varchar(200) not null, "template_name" varchar(512) not null, "template_language" varchar(16) not null, "status" text not null default 'launching', "status_reason" text null, "total_recipients" int not null default 0, "rejected_recipients" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "completed_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "campaigns" add constraint "campaigns_status_check" check ("status" in ('launching', 'running', 'paused', 'completed', 'cancelled', 'failed'));`,
    );
    this.addSql(
      `create table "recipients" ("id" bigserial primary key, "campaign_id" uuid not null, "phone" varchar(16) not null, "country" varchar(2) not null, "variables" jsonb null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "wamid" varchar(128) null, "error_code" int null, "error_message" text null, "sent_at" timestamptz null, "delivered_at" timestamptz null, "read_at" timestamptz null, "failed_at" timestamptz null, "updated_at" timestamptz not null default now());`,
    );
    this.addSql(
      `create index "recipients_campaign_id_status_index" on "recipients" ("campaign_id", "status");`,
    );
    this.addSql(`create index "recipients_wamid_index" on "recipients" ("wamid");`);
    this.addSql(
      `alter table "recipients" add constraint "recipients_campaign_id_phone_unique" unique ("campaign_id", "phone");`,
    );
    this.addSql(
      `alter table "recipients" add constraint "recipients_status_check" check ("status" in ('pending', 'sending', 'unknown', 'sent', 'delivered', 'read', 'failed', 'skipped', 'cancelled'));`,
    );
    this.addSql(
      `alter table "recipients" add constraint "recipients_campaign_id_foreign" foreign key ("campaign_id") references "campaigns" ("id") on delete cascade;`,
    );
    // Mirrors STATUS_RANK in libs/domain: a row only moves to a higher rank.
    this.addSql(`create function recipient_status_rank(s text) returns int
      language sql immutable parallel safe as $$
        select case s
          when 'pending' then 0
          when 'sending' then 1 when 'unknown' then 1
          when 'sent' then 2 when 'delivered' then 3 when 'read' then 4
          else 5 end
      $$;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "recipients" cascade;`);
    this.addSql(`drop table if exists "campaigns" cascade;`);
    this.addSql(`drop function if exists recipient_status_rank(text);`);
  }
}
