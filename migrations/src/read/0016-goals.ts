import { sql, type Kysely } from 'kysely';

// Writers' goals as GET /v1/goals lists them (their progress is counted from journal_view).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table goal_view (
      goal_id    uuid primary key,
      user_id    uuid not null,
      kind       text not null,
      target     integer not null,
      period     text,
      version    integer not null,
      created_at timestamptz not null,
      -- A removed goal stays as a tombstone: its GoalSet applied again brings nothing back.
      removed    boolean not null default false
    )
  `.execute(db);
  await sql`create index goal_view_user on goal_view (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table goal_view`.execute(db);
}
