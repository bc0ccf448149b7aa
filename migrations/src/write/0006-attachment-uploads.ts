import { sql, type Kysely } from 'kysely';

// Uploads granted a signed PUT link and not completed yet: what the completion checks against.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table attachment_uploads (
      id            uuid primary key,
      user_id       uuid not null references users (id),
      entry_id      uuid not null references journal_entries (id),
      file_name     text not null,
      content_type  text not null,
      expires_at    timestamptz not null,
      created_at    timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index attachment_uploads_expiry on attachment_uploads (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table attachment_uploads`.execute(db);
}
