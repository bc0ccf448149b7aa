import { sql, type Kysely } from 'kysely';

// The reminder to write (PUT /v1/me/reminders) is kept with the settings; reminder_sends is the
// claim that makes a reminder go at most once per writer and local day, whatever the number of
// runs, workers or restarts: a second claim of the same day fails on the key.
// notification_outbox goes: insight emails are sent by the mail projection from the events.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop table notification_outbox`.execute(db);
  await sql`
    alter table user_settings
      add column reminder_enabled boolean not null default false,
      add column reminder_time    time    not null default '20:30',
      add column reminder_days    text[]  not null default '{mon,tue,wed,thu,fri,sat,sun}'
        check (reminder_days <@ '{mon,tue,wed,thu,fri,sat,sun}'::text[])
  `.execute(db);
  await sql`create index user_settings_reminders on user_settings (user_id) where reminder_enabled`.execute(db);
  await sql`
    create table reminder_sends (
      user_id         uuid not null references users (id),
      local_date      date not null,
      notification_id uuid not null,
      raised_at       timestamptz not null default now(),
      primary key (user_id, local_date)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notification_outbox (
      id         uuid primary key,
      user_id    uuid not null references users (id),
      kind       text not null,
      subject_id uuid not null,
      payload    jsonb not null,
      created_at timestamptz not null default now(),
      sent_at    timestamptz,
      unique (kind, subject_id)
    )
  `.execute(db);
  await sql`drop table reminder_sends`.execute(db);
  await sql`
    alter table user_settings drop column reminder_enabled, drop column reminder_time, drop column reminder_days
  `.execute(db);
}
