import { Migration } from '@mikro-orm/migrations';

/**
 * Drips advanced in batches by one runner workflow per sequence: each enrolment's position lives
 * here (phase, due time, visits, the events it heard, its outstanding message), with a journal
 * of its steps; enrolling a list runs as a job; a sequence's messages carry their own template
 * language and, for free-form text, their content.
 */
export class Migration20261202100000 extends Migration {
  override name = 'Migration20261202100000';

  override up(): void {
    this.addSql(
      `alter table "enrolments"
         add "engine" text not null default 'workflow',
         add "phase" text not null default 'ready',
         add "due_at" timestamptz null,
         add "wait_until" timestamptz null,
         add "visits" jsonb not null default '{}',
         add "events" jsonb not null default '[]',
         add "enrolled_at_ms" bigint null,
         add "row_id" bigint null,
         add "last_sent_at" timestamptz null,
         add "messages" int not null default 0;`,
    );
    this.addSql(
      `alter table "enrolments" add constraint "enrolments_engine_check" check ("engine" in ('workflow', 'runner'));`,
    );
    this.addSql(
      `alter table "enrolments" add constraint "enrolments_phase_check" check ("phase" in ('ready', 'send', 'sending', 'waiting'));`,
    );
    this.addSql(
      `create index "enrolments_due_index" on "enrolments" ("sequence_id", "due_at") where status = 'active' and due_at is not null;`,
    );
    this.addSql(
      `create index "enrolments_row_id_index" on "enrolments" ("row_id") where status = 'active' and row_id is not null;`,
    );
    this.addSql(
      `create table "enrolment_journal" ("id" bigserial primary key, "workflow_id" varchar(100) not null, "at" timestamptz not null default now(), "kind" text not null, "step" varchar(64) null, "detail" jsonb null);`,
    );
    this.addSql(
      `alter table "enrolment_journal" add constraint "enrolment_journal_workflow_id_foreign" foreign key ("workflow_id") references "enrolments" ("workflow_id") on delete cascade;`,
    );
    this.addSql(
      `create index "enrolment_journal_workflow_id_id_index" on "enrolment_journal" ("workflow_id", "id");`,
    );
    this.addSql(
      `create table "enrolment_jobs" ("id" uuid not null, "workspace_id" uuid not null, "sequence_id" uuid not null, "version" int not null, "selection" jsonb not null, "status" text not null default 'running', "after_id" uuid null, "processed" bigint not null default '0', "enrolled" bigint not null default '0', "not_enrolled" bigint not null default '0', "error" text null, "created_by" varchar(320) not null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "enrolment_jobs" add constraint "enrolment_jobs_status_check" check ("status" in ('running', 'completed', 'failed'));`,
    );
    this.addSql(
      `alter table "enrolment_jobs" add constraint "enrolment_jobs_sequence_id_foreign" foreign key ("sequence_id") references "sequences" ("id") on delete cascade;`,
    );
    this.addSql(
      `create index "enrolment_jobs_sequence_id_created_at_index" on "enrolment_jobs" ("sequence_id", "created_at");`,
    );
    this.addSql(
      `alter table "sequences" add "pause_reason" text null, add "pause_actor" varchar(200) null;`,
    );
    this.addSql(
      `alter table "recipients" add "template_language" varchar(16) null, add "content" jsonb null;`,
    );
    // Messages the per-contact drip path left reserved when it stopped may have gone out: they
    // are never sent again, only settled by their status webhook or the unknown window.
    this.addSql(
      `update "recipients" set "status" = 'unknown', "unknown_since" = now(), "updated_at" = now(),
         "error_message" = 'send interrupted; awaiting the provider''s status'
       where "status" = 'sending' and "send_key" is not null;`,
    );
  }

  override down(): void {
    this.addSql(
      `alter table "recipients" drop column if exists "template_language", drop column if exists "content";`,
    );
    this.addSql(
      `alter table "sequences" drop column if exists "pause_reason", drop column if exists "pause_actor";`,
    );
    this.addSql(`drop table if exists "enrolment_jobs";`);
    this.addSql(`drop table if exists "enrolment_journal";`);
    this.addSql(`drop index if exists "enrolments_due_index";`);
    this.addSql(`drop index if exists "enrolments_row_id_index";`);
    this.addSql(
      `alter table "enrolments" drop constraint if exists "enrolments_engine_check", drop constraint if exists "enrolments_phase_check";`,
    );
    this.addSql(
      `alter table "enrolments" drop column if exists "engine", drop column if exists "phase", drop column if exists "due_at", drop column if exists "wait_until", drop column if exists "visits", drop column if exists "events", drop column if exists "enrolled_at_ms", drop column if exists "row_id", drop column if exists "last_sent_at", drop column if exists "messages";`,
    );
  }
}
