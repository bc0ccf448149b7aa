import { sql, type Kysely } from 'kysely';

// Writers' own prompts (GET /v1/prompts, and the pool of the prompt of the day), and the prompt
// an entry was written from.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table prompt_view (
      prompt_id  uuid primary key,
      user_id    uuid not null,
      text       text not null,
      theme      text,
      created_at timestamptz not null,
      -- A removed prompt stays as a tombstone: its creation applied again brings nothing back.
      removed    boolean not null default false
    )
  `.execute(db);
  await sql`create index prompt_view_user on prompt_view (user_id, created_at)`.execute(db);
  await sql`alter table journal_view add column prompt_id text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table journal_view drop column prompt_id`.execute(db);
  await sql`drop table prompt_view`.execute(db);
}
