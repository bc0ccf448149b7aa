import { sql, type Kysely } from 'kysely';

// The normalized write tables. They exist to enforce invariants (unique email, one entry per
// user per date, optimistic versions) and change in the same transaction as the events they
// follow from; the events stay the source of truth.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function touch_updated_at() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$
  `.execute(db);

  await sql`
    create table users (
      id             uuid primary key,
      email          text not null,
      password_hash  text not null,
      display_name   text not null check (length(display_name) between 1 and 100),
      photo_url      text,
      timezone       text not null default 'UTC',
      language       text not null default 'en' check (language in ('en', 'pt')),
      theme          text not null default 'system' check (theme in ('light', 'dark', 'system')),
      roles          text[] not null default '{user}'
                     check (roles <@ array['user', 'analyst', 'compliance', 'admin']),
      email_verified boolean not null default false,
      version        integer not null default 1,
      created_at     timestamptz not null default now(),
      updated_at     timestamptz not null default now(),
      deleted_at     timestamptz
    )
  `.execute(db);
  // Emails are unique case-insensitively, among accounts not deleted.
  await sql`create unique index users_email_unique on users (lower(email)) where deleted_at is null`.execute(db);

  await sql`
    create table user_gdpr_consent (
      id                     bigint generated always as identity primary key,
      user_id                uuid not null references users (id),
      terms_version          text not null,
      privacy_policy_version text not null,
      data_processing        boolean not null,
      marketing              boolean not null,
      ip_address             text,
      user_agent             text,
      recorded_at            timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index user_gdpr_consent_user on user_gdpr_consent (user_id, recorded_at desc)`.execute(db);

  await sql`
    create table user_settings (
      user_id                 uuid primary key references users (id),
      auto_save               boolean not null default true,
      private_mode            boolean not null default false,
      email_weekly_insights   boolean not null default false,
      email_monthly_insights  boolean not null default false,
      email_reminder_to_write boolean not null default false,
      updated_at              timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table journal_entries (
      id           uuid primary key,
      user_id      uuid not null references users (id),
      entry_date   date not null,
      title        text not null check (length(title) between 1 and 200),
      content      text not null check (length(content) <= 10000),
      mood         text check (mood in ('ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry')),
      location     text,
      weather      text,
      word_count   integer not null default 0 check (word_count >= 0),
      reading_time integer not null default 0 check (reading_time >= 0),
      is_private   boolean not null default false,
      version      integer not null default 1,
      created_at   timestamptz not null default now(),
      updated_at   timestamptz not null default now(),
      deleted_at   timestamptz
    )
  `.execute(db);
  // One entry per user per date, among entries not deleted.
  await sql`
    create unique index journal_entries_one_per_day on journal_entries (user_id, entry_date) where deleted_at is null
  `.execute(db);
  await sql`create index journal_entries_user_date on journal_entries (user_id, entry_date desc)`.execute(db);

  await sql`
    create table tags (
      id         bigint generated always as identity primary key,
      name       text not null unique check (name = lower(btrim(name)) and length(name) between 1 and 50),
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    create table journal_entry_tags (
      entry_id uuid not null references journal_entries (id),
      tag_id   bigint not null references tags (id),
      primary key (entry_id, tag_id)
    )
  `.execute(db);
  await sql`create index journal_entry_tags_tag on journal_entry_tags (tag_id)`.execute(db);

  await sql`
    create table attachments (
      id             uuid primary key,
      entry_id       uuid not null references journal_entries (id),
      user_id        uuid not null references users (id),
      file_name      text not null,
      content_type   text not null check (content_type in ('image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf')),
      size_bytes     bigint not null check (size_bytes between 1 and 52428800),
      storage_key    text not null unique,
      thumbnail_key  text,
      created_at     timestamptz not null default now(),
      deleted_at     timestamptz
    )
  `.execute(db);
  await sql`create index attachments_entry on attachments (entry_id) where deleted_at is null`.execute(db);

  await sql`
    create table user_streaks (
      user_id         uuid primary key references users (id),
      current_streak  integer not null default 0,
      longest_streak  integer not null default 0,
      last_entry_date date,
      total_entries   integer not null default 0,
      total_words     integer not null default 0,
      updated_at      timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table refresh_tokens (
      id          uuid primary key,
      user_id     uuid not null references users (id),
      family_id   uuid not null,
      token_hash  text not null unique,
      created_at  timestamptz not null default now(),
      expires_at  timestamptz not null,
      rotated_at  timestamptz,
      revoked_at  timestamptz
    )
  `.execute(db);
  await sql`create index refresh_tokens_family on refresh_tokens (family_id)`.execute(db);
  await sql`create index refresh_tokens_user on refresh_tokens (user_id)`.execute(db);

  await sql`
    create table idempotency_keys (
      user_id       uuid not null,
      key           text not null check (length(key) between 1 and 255),
      request_hash  text not null,
      status_code   integer,
      response_body jsonb,
      created_at    timestamptz not null default now(),
      primary key (user_id, key)
    )
  `.execute(db);
  await sql`create index idempotency_keys_created on idempotency_keys (created_at)`.execute(db);

  for (const table of ['users', 'user_settings', 'journal_entries', 'user_streaks']) {
    await sql`
      create trigger ${sql.raw(`${table}_updated_at`)} before update on ${sql.table(table)}
      for each row execute function touch_updated_at()
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'refresh_tokens',
    'user_streaks',
    'attachments',
    'journal_entry_tags',
    'tags',
    'journal_entries',
    'user_settings',
    'user_gdpr_consent',
    'users',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`drop function touch_updated_at()`.execute(db);
}
