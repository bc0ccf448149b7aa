import { sql, type Kysely } from 'kysely';

// Signed upload links write to a staging key and take one size only: the upload keeps the size
// it declared, and when it was completed (its row stays until its link expires, so that the
// sweeper removes whatever the link wrote after completion, or an upload never completed).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table attachment_uploads
      add column size_bytes bigint,
      add column completed_at timestamptz
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attachment_uploads drop column size_bytes, drop column completed_at`.execute(db);
}
