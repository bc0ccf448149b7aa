import { sql, type Kysely } from 'kysely';

// Writers' entry templates as GET /v1/templates lists them (the built-in ones are the code's).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table template_view (
      template_id uuid primary key,
      user_id     uuid not null,
      name        text not null,
      title       text not null,
      content     text not null,
      tags        text[] not null,
      mood        text,
      version     integer not null,
      created_at  timestamptz not null,
      -- A removed template stays as a tombstone: its creation applied again brings nothing back.
      removed     boolean not null default false
    )
  `.execute(db);
  await sql`create index template_view_user on template_view (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table template_view`.execute(db);
}
