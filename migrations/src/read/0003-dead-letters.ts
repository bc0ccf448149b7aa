import { sql, type Kysely } from 'kysely';

// Events a projection could not apply after its retries: kept with the error, replayable.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table dead_letters (
      id          bigint generated always as identity primary key,
      projection  text not null,
      event_id    uuid not null,
      event       jsonb not null,
      error       text not null,
      attempts    integer not null,
      created_at  timestamptz not null default now(),
      replayed_at timestamptz,
      unique (projection, event_id)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table dead_letters`.execute(db);
}
