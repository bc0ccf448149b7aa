import { sql, type Kysely } from 'kysely';

// The entry commands step a writer's streaks and totals from the kept row instead of counting
// them again from every entry. Rows kept before may be short (two commands at once could each
// miss the other's entry): each is counted again, once, by the writer's next entry command.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table user_streaks add column recount boolean not null default true`.execute(db);
  await sql`alter table user_streaks alter column recount set default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table user_streaks drop column recount`.execute(db);
}
