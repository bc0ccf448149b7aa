import { sql, type Kysely } from 'kysely';

// How far the read model has got for each user: the global position of the newest of their
// events it has applied. A query that must see a write (X-Min-Position) waits for it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view add column position bigint not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view drop column position`.execute(db);
}
