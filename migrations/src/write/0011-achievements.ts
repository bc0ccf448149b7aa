import { sql, type Kysely } from 'kysely';

// The achievements each writer has unlocked: the claim that makes each one unlock once, in the
// transaction of the command that earned it (its AchievementUnlocked is appended beside).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_achievements (
      user_id     uuid not null references users (id),
      code        text not null,
      unlocked_at timestamptz not null default now(),
      primary key (user_id, code)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table user_achievements`.execute(db);
}
