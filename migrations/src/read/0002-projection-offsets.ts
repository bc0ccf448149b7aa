import { sql, type Kysely } from 'kysely';

// Each projection's position per bus partition, written in the same transaction as its effect:
// a redelivered event at or before it is skipped, so effects happen exactly once.
export async function up(db: Kysely<unknown>): Promise<void> {
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

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table projection_offsets`.execute(db);
}
