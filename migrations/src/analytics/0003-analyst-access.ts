import { sql, type Kysely } from 'kysely';
import { createAnalystViews } from './analyst-views.js';

// What analysts see: the schema `analyst`, views over the aggregates in which every group of
// fewer than k distinct people is suppressed, and a role that can read those views and
// nothing else. The REST API reads the same views, so there is one rule for both.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table analytics_settings (
      only_row        boolean primary key default true check (only_row),
      min_group_size  integer not null default 10 check (min_group_size >= 2)
    )`.execute(db);
  await sql`insert into analytics_settings default values`.execute(db);
  await sql`
    create table analytics_queries (
      id          bigint generated always as identity primary key,
      at          timestamptz not null default now(),
      analyst_id  uuid not null,
      request_id  text not null,
      ip          text,
      route       text not null,
      parameters  jsonb not null,
      groups      integer not null
    )`.execute(db);
  await sql`create schema analyst`.execute(db);
  // The group role; people log in as members of it (see `mindflow analytics sql-user`).
  // Without the right to create roles (a managed server), the views exist and the role is left out.
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = 'mindflow_analyst') then
        create role mindflow_analyst nologin;
      end if;
      grant usage on schema analyst to mindflow_analyst;
    exception when insufficient_privilege then
      raise warning 'no right to create roles: the mindflow_analyst role was not created';
    end $$`.execute(db);
  await createAnalystViews(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema analyst cascade`.execute(db);
  await sql`drop table analytics_queries`.execute(db);
  await sql`drop table analytics_settings`.execute(db);
}
