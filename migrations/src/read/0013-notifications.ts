import { sql, type Kysely } from 'kysely';

// In-app notifications as their owner lists them (GET /v1/notifications), newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notification_view (
      notification_id uuid primary key,
      user_id         uuid not null,
      kind            text not null,
      severity        text,
      title           text not null,
      subject_id      uuid,
      created_at      timestamptz not null,
      read_at         timestamptz
    )
  `.execute(db);
  await sql`create index notification_view_user on notification_view (user_id, created_at desc, notification_id desc)`.execute(
    db,
  );
  await sql`create index notification_view_unread on notification_view (user_id) where read_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table notification_view`.execute(db);
}
