import { sql, type Kysely } from 'kysely';

// Writers' entry templates (POST /v1/templates), as the commands keep them: a new entry from a
// template is filled from here, in the command's transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table templates (
      id         uuid primary key,
      user_id    uuid not null references users (id),
      name       text not null,
      title      text not null,
      content    text not null,
      tags       text[] not null default '{}',
      mood       text,
      version    integer not null default 1,
      created_at timestamptz not null default now(),
      removed_at timestamptz
    )
  `.execute(db);
  await sql`create index templates_user on templates (user_id) where removed_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table templates`.execute(db);
}
