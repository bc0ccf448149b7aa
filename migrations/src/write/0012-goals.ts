import { sql, type Kysely } from 'kysely';

// Writers' goals (POST /v1/goals): what each counts and its target, as the commands keep them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table goals (
      id         uuid primary key,
      user_id    uuid not null references users (id),
      kind       text not null check (kind in ('entries-per-week', 'words-per-day', 'streak')),
      target     integer not null check (target > 0),
      version    integer not null default 1,
      created_at timestamptz not null default now(),
      removed_at timestamptz
    )
  `.execute(db);
  await sql`create index goals_user on goals (user_id) where removed_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table goals`.execute(db);
}
