import { Migration } from '@mikro-orm/migrations';

/**
 * Inbound messages kept as part of each contact's conversation, once per wamid in a workspace,
 * with the service window they open and the campaign or drip step they answer. Attribution looks
 * up the last message sent to a number, so sent rows are indexed by number and sent time, and
 * rows in flight by number.
 */
export class Migration20261203090000 extends Migration {
  override name = 'Migration20261203090000';

  override up(): void {
    this.addSql(
      `create table "inbound_messages" ("id" uuid not null, "workspace_id" uuid not null, "contact_id" uuid null, "phone" varchar(16) not null, "phone_number_id" varchar(32) null, "wamid" varchar(128) not null, "type" varchar(32) not null, "text" text null, "payload" varchar(1024) null, "content" jsonb null, "context_wamid" varchar(128) null, "received_at" timestamptz not null, "window_expires_at" timestamptz not null, "campaign_id" uuid null, "sequence_id" uuid null, "step" varchar(64) null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "inbound_messages" add constraint "inbound_messages_workspace_id_wamid_unique" unique ("workspace_id", "wamid");`,
    );
    this.addSql(
      `alter table "inbound_messages" add constraint "inbound_messages_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`,
    );
    this.addSql(
      `create index "inbound_messages_phone_index" on "inbound_messages" ("workspace_id", "phone", "received_at", "id");`,
    );
    this.addSql(
      `create index "inbound_messages_contact_id_index" on "inbound_messages" ("contact_id") where contact_id is not null;`,
    );
    this.addSql(
      `create index "inbound_messages_campaign_index" on "inbound_messages" ("campaign_id", "received_at", "id") where campaign_id is not null;`,
    );
    this.addSql(
      `create index "inbound_messages_sequence_index" on "inbound_messages" ("sequence_id", "received_at", "id") where sequence_id is not null;`,
    );
    this.addSql(
      `create index "recipients_phone_sent_at_index" on "recipients" ("phone", "sent_at") where sent_at is not null;`,
    );
    this.addSql(
      `create index "recipients_sending_phone_index" on "recipients" ("phone") where status = 'sending';`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "recipients_sending_phone_index";`);
    this.addSql(`drop index if exists "recipients_phone_sent_at_index";`);
    this.addSql(`drop table if exists "inbound_messages" cascade;`);
  }
}
