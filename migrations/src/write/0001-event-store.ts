import { sql, type Kysely } from 'kysely';

// The append-only event store. `global_position` orders events by insertion; `transaction_id`
// (the inserting transaction's xid8) lets readers follow commit order without skipping an
// event whose transaction commits late: they read only below the oldest running transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table events (
      global_position bigint generated always as identity primary key,
      transaction_id  xid8        not null default pg_current_xact_id(),
      event_id        uuid        not null unique,
      type            text        not null,
      schema_version  integer     not null check (schema_version > 0),
      stream_id       text        not null,
      stream_version  integer     not null check (stream_version > 0),
      user_id         uuid,
      occurred_at     timestamptz not null,
      recorded_at     timestamptz not null default now(),
      data            jsonb       not null,
      metadata        jsonb       not null,
      unique (stream_id, stream_version)
    )
  `.execute(db);
  await sql`create index events_commit_order on events (transaction_id, global_position)`.execute(db);
  await sql`create index events_user on events (user_id, global_position)`.execute(db);

  // Append-only: no update, no delete (erasure destroys keys, never events).
  await sql`
    create function events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'events are append-only (% refused)', tg_op using errcode = 'restrict_violation';
    end $$
  `.execute(db);
  await sql`
    create trigger events_append_only before update or delete on events
    for each statement execute function events_append_only()
  `.execute(db);

  // Wakes catch-up readers (the embedded bus) when events commit.
  await sql`
    create function events_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('mindflow_events', '');
      return null;
    end $$
  `.execute(db);
  await sql`
    create trigger events_notify after insert on events
    for each statement execute function events_notify()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table events`.execute(db);
  await sql`drop function events_notify()`.execute(db);
  await sql`drop function events_append_only()`.execute(db);
}
