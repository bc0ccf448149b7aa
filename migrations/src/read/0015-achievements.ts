import { sql, type Kysely } from 'kysely';

// The achievements each writer has unlocked (AchievementUnlocked), at the event that earned them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table achievement_view (
      user_id     uuid not null,
      code        text not null,
      unlocked_at timestamptz not null,
      primary key (user_id, code)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table achievement_view`.execute(db);
}
