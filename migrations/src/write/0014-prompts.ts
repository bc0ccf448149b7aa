import { sql, type Kysely } from 'kysely';

// Writers' own writing prompts (POST /v1/prompts), as the commands keep them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table prompts (
      id         uuid primary key,
      user_id    uuid not null references users (id),
      text       text not null,
      theme      text,
      created_at timestamptz not null default now(),
      removed_at timestamptz
    )
  `.execute(db);
  await sql`create index prompts_user on prompts (user_id) where removed_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table prompts`.execute(db);
}
