import { sql, type Kysely } from 'kysely';

// Projections never apply an older version of a stream over a newer one. The journal view has
// kept its entry's version from the start; the profile view now keeps its user stream's too.
//
// And read-your-writes on the search index: for each user, the newest of their events the
// search projection has applied and made visible (the index refreshed over it), by position
// and commit-order key, as profile_view keeps it for the read model.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view add column stream_version integer not null default 0`.execute(db);
  await sql`
    create table search_read_points (
      user_id   uuid primary key,
      position  bigint not null,
      read_key  text not null
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table search_read_points`.execute(db);
  await sql`alter table profile_view drop column stream_version`.execute(db);
}
