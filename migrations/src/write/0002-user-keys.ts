import { sql, type Kysely } from 'kysely';

// One data key per user, wrapped by the master key. Destroying it (wrapped_key set to null)
// erases the user's personal data in every event, which stay as they are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_keys (
      user_id      uuid primary key,
      wrapped_key  bytea,
      created_at   timestamptz not null default now(),
      destroyed_at timestamptz,
      check ((wrapped_key is null) = (destroyed_at is not null))
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table user_keys`.execute(db);
}
