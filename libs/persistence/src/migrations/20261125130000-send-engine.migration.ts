import { Migration } from '@mikro-orm/migrations';

/**
 * The send engine at scale: the global rate limiter's keys, exact per-campaign counts kept by
 * triggers, uploaded audiences, send leases and slots, failure classes, and indexes whose cost
 * does not grow with a campaign's progress.
 */
export class Migration20261125130000 extends Migration {
  override name = 'Migration20261125130000';

  override up(): void {
    this.addSql(
      `create table "rate_limits" ("key" varchar(64) not null, "rate_per_second" double precision not null, "next_at" double precision not null default 0, "throttle_factor" double precision not null default 1, "throttled_until" double precision null, "throttle_events" bigint not null default '0', "halted_reason" text null, "halted_at" timestamptz null, "updated_at" timestamptz not null default now(), primary key ("key"));`,
    );

    this.addSql(
      `create table "audiences" ("id" uuid not null, "tenant_id" varchar(64) not null, "name" varchar(200) not null, "status" text not null default 'uploading', "members" int not null default 0, "duplicates" int not null default 0, "rejected" int not null default 0, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "audiences" add constraint "audiences_status_check" check ("status" in ('uploading', 'ready', 'failed'));`,
    );
    this.addSql(
      `create table "audience_members" ("audience_id" uuid not null, "phone" varchar(16) not null, "country" varchar(2) not null, "variables" jsonb null, primary key ("audience_id", "phone"));`,
    );
    this.addSql(
      `alter table "audience_members" add constraint "audience_members_audience_id_foreign" foreign key ("audience_id") references "audiences" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "campaigns" add "template_parameters" int null, add "sender_phone_number_id" varchar(32) not null default '', add "audience_id" uuid null, add "frozen_at" timestamptz null, add "countries" text[] not null default '{}', add "status_actor" varchar(200) null, add "send_lease" varchar(128) null, add "dispatch_permit" double precision null;`,
    );
    this.addSql(`alter table "campaigns" alter column "sender_phone_number_id" drop default;`);
    this.addSql(`update "campaigns" set "frozen_at" = "created_at";`);

    // Duplicates are removed where audiences are built; the unique key cost an index entry on
    // every status change.
    this.addSql(`alter table "recipients" drop constraint "recipients_campaign_id_phone_unique";`);
    this.addSql(`drop index "recipients_campaign_id_status_index";`);
    this.addSql(
      `alter table "recipients" add "slot_at" double precision null, add "error_class" text null, add "unknown_since" timestamptz null;`,
    );
    this.addSql(
      `alter table "recipients" add constraint "recipients_error_class_check" check ("error_class" in ('transient', 'permanent', 'unknown_outcome'));`,
    );
    this.addSql(
      `create index "recipients_campaign_id_status_id_index" on "recipients" ("campaign_id", "status", "id");`,
    );
    this.addSql(
      `create index "recipients_pending_country_index" on "recipients" ("campaign_id", "country", "id") where status = 'pending';`,
    );
    this.addSql(
      `create index "recipients_retry_index" on "recipients" ("campaign_id", "next_attempt_at") where status = 'pending' and next_attempt_at is not null;`,
    );
    this.addSql(`drop function if exists "recipient_status_rank"(text);`);
    this.addSql(
      `update "campaigns" c set "countries" = coalesce((select array_agg(distinct r.country) from "recipients" r where r.campaign_id = c.id), '{}');`,
    );

    this.countsByTrigger();
  }

  /**
   * Exact counts without counting: statement-level triggers add each statement's per-status
   * deltas to one row per (campaign, country) and one per campaign, in key order so that
   * concurrent statements cannot deadlock on them.
   */
  private countsByTrigger(): void {
    this.addSql(
      `create table "campaign_counts" ("campaign_id" uuid not null, "version" bigint not null default '0', "counts" jsonb not null default '{}', primary key ("campaign_id"));`,
    );
    this.addSql(
      `alter table "campaign_counts" add constraint "campaign_counts_campaign_id_foreign" foreign key ("campaign_id") references "campaigns" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "campaign_country_counts" ("campaign_id" uuid not null, "country" varchar(2) not null, "counts" jsonb not null default '{}', primary key ("campaign_id", "country"));`,
    );
    this.addSql(
      `alter table "campaign_country_counts" add constraint "campaign_country_counts_campaign_id_foreign" foreign key ("campaign_id") references "campaigns" ("id") on delete cascade;`,
    );
    this.addSql(`create function add_counts(a jsonb, b jsonb) returns jsonb
      language sql immutable parallel safe as $$
        select coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
        from jsonb_object_keys(a || b) as k
      $$;`);
    this.addSql(`create function apply_recipient_count_deltas(deltas jsonb) returns void
      language plpgsql as $$
      declare d record;
      begin
        if deltas is null then return; end if;
        for d in
          select x.campaign_id, x.country, jsonb_object_agg(x.status, x.n) as delta
          from jsonb_to_recordset(deltas) as x(campaign_id uuid, country text, status text, n bigint)
          where exists (select 1 from campaigns c where c.id = x.campaign_id)
          group by x.campaign_id, x.country
          order by x.campaign_id, x.country
        loop
          insert into campaign_country_counts as t (campaign_id, country, counts)
          values (d.campaign_id, d.country, d.delta)
          on conflict (campaign_id, country) do update set counts = add_counts(t.counts, excluded.counts);
        end loop;
        for d in
          select s.campaign_id, jsonb_object_agg(s.status, s.n) as delta
          from (
            select x.campaign_id, x.status, sum(x.n) as n
            from jsonb_to_recordset(deltas) as x(campaign_id uuid, country text, status text, n bigint)
            where exists (select 1 from campaigns c where c.id = x.campaign_id)
            group by x.campaign_id, x.status
          ) s
          group by s.campaign_id
          order by s.campaign_id
        loop
          insert into campaign_counts as t (campaign_id, version, counts)
          values (d.campaign_id, 1, d.delta)
          on conflict (campaign_id) do update
            set counts = add_counts(t.counts, excluded.counts), version = t.version + 1;
        end loop;
      end $$;`);
    const deltas = (rows: string) => `perform apply_recipient_count_deltas((
        select jsonb_agg(jsonb_build_object('campaign_id', campaign_id, 'country', country, 'status', status, 'n', n))
        from (${rows}) s));`;
    this.addSql(`create function recipients_count_inserts() returns trigger language plpgsql as $$
      begin
        ${deltas('select campaign_id, country, status, count(*) as n from new_rows group by 1, 2, 3')}
        return null;
      end $$;`);
    this.addSql(`create function recipients_count_updates() returns trigger language plpgsql as $$
      begin
        ${deltas(`select campaign_id, country, status, sum(n) as n from (
            select campaign_id, country, status, 1 as n from new_rows
            union all select campaign_id, country, status, -1 as n from old_rows
          ) u group by 1, 2, 3 having sum(n) <> 0`)}
        return null;
      end $$;`);
    this.addSql(`create function recipients_count_deletes() returns trigger language plpgsql as $$
      begin
        ${deltas('select campaign_id, country, status, -count(*) as n from old_rows group by 1, 2, 3')}
        return null;
      end $$;`);
    this.addSql(`create trigger recipients_count_inserts after insert on recipients
      referencing new table as new_rows for each statement execute function recipients_count_inserts();`);
    this.addSql(`create trigger recipients_count_updates after update on recipients
      referencing old table as old_rows new table as new_rows
      for each statement execute function recipients_count_updates();`);
    this.addSql(`create trigger recipients_count_deletes after delete on recipients
      referencing old table as old_rows for each statement execute function recipients_count_deletes();`);
    this.addSql(`select apply_recipient_count_deltas((
        select jsonb_agg(jsonb_build_object('campaign_id', campaign_id, 'country', country, 'status', status, 'n', n))
        from (select campaign_id, country, status, count(*) as n from recipients group by 1, 2, 3) s));`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists recipients_count_inserts on recipients;`);
    this.addSql(`drop trigger if exists recipients_count_updates on recipients;`);
    this.addSql(`drop trigger if exists recipients_count_deletes on recipients;`);
    this.addSql(`drop function if exists recipients_count_inserts();`);
    this.addSql(`drop function if exists recipients_count_updates();`);
    this.addSql(`drop function if exists recipients_count_deletes();`);
    this.addSql(`drop function if exists apply_recipient_count_deltas(jsonb);`);
    this.addSql(`drop function if exists add_counts(jsonb, jsonb);`);
    this.addSql(`drop table if exists "campaign_country_counts";`);
    this.addSql(`drop table if exists "campaign_counts";`);
    this.addSql(`drop table if exists "audience_members";`);
    this.addSql(`drop table if exists "audiences";`);
    this.addSql(`drop table if exists "rate_limits";`);
  }
}
