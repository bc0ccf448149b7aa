import { sql, type Kysely } from 'kysely';

/**
 * The projection runtime's tables, in every database a consumer commits its effects to (the
 * read database for projections, the write database for the ai-worker).
 */

// Each consumer's position per bus partition, written in the same transaction as its effect:
// a redelivered event at or before it is skipped, so effects happen exactly once.
export async function createProjectionOffsets(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table projection_offsets (
      projection text not null,
      partition  text not null,
      "offset"   text not null,
      updated_at timestamptz not null default now(),
      primary key (projection, partition)
    )
  `.execute(db);
}

// Events a consumer could not apply after its retries: kept with the error, replayable.
export async function createDeadLetters(db: Kysely<unknown>): Promise<void> {
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
