import { sql, type Kysely } from 'kysely';

// A writer's reminder to write (RemindersSet), shown with their profile; off until they set it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table profile_view add column reminders jsonb not null
      default '{"enabled": false, "time": "20:30", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}'
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table profile_view drop column reminders`.execute(db);
}
