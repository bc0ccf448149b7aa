import { sql, type Kysely } from 'kysely';

// Positions are not commit-ordered: two overlapping transactions of one user can commit in the
// opposite order of their positions, and projections apply them in commit order. So each
// user's read point is also kept as the commit-order key (transaction, position) of the
// newest of their events applied: what read-your-writes and the cache compare.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view add column read_key text not null default ''`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view drop column read_key`.execute(db);
}
