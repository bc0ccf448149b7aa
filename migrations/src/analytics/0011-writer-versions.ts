import { sql, type Kysely } from 'kysely';

// Projections never apply an older version of a stream over a newer one: each writer's
// language and time zone (the cohort labels) keep the version of the user's stream they
// reflect, so a late, older profile change does not overwrite a newer one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table analytics_users add column stream_version integer not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table analytics_users drop column stream_version`.execute(db);
}
