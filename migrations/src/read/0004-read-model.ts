import { sql, type Kysely } from 'kysely';

// The read model: denormalized views kept current event by event by the read-model projection.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table profile_view (
      user_id          uuid primary key,
      email            text,
      display_name     text,
      photo_url        text,
      timezone         text not null,
      language         text not null,
      theme            text not null,
      roles            text[] not null default '{user}',
      settings         jsonb not null,
      consent          jsonb,
      joined_at        timestamptz not null,
      current_streak   integer not null default 0,
      longest_streak   integer not null default 0,
      last_entry_date  date,
      total_entries    integer not null default 0,
      total_words      integer not null default 0,
      updated_at       timestamptz not null
    )
  `.execute(db);

  await sql`
    create table journal_view (
      entry_id      uuid primary key,
      user_id       uuid not null,
      entry_date    date not null,
      title         text,
      content       text,
      mood          text,
      tags          text[] not null default '{}',
      location      text,
      weather       text,
      is_private    boolean not null,
      word_count    integer not null,
      reading_time  integer not null,
      attachments   jsonb not null default '[]',
      author_name   text,
      author_photo  text,
      version       integer not null,
      created_at    timestamptz not null,
      updated_at    timestamptz not null,
      deleted_at    timestamptz
    )
  `.execute(db);
  await sql`create index journal_view_user_date on journal_view (user_id, entry_date desc, entry_id) where deleted_at is null`.execute(
    db,
  );
  await sql`create index journal_view_user_tags on journal_view using gin (tags) where deleted_at is null`.execute(db);

  await sql`
    create table entry_history (
      entry_id  uuid not null,
      version   integer not null,
      user_id   uuid not null,
      at        timestamptz not null,
      actor_id  uuid,
      kind      text not null,
      changes   jsonb not null,
      primary key (entry_id, version)
    )
  `.execute(db);

  await sql`
    create table mood_calendar (
      user_id    uuid not null,
      entry_date date not null,
      mood       text,
      entry_id   uuid not null,
      primary key (user_id, entry_date)
    )
  `.execute(db);

  await sql`
    create table tag_counts (
      user_id uuid not null,
      tag     text not null,
      count   integer not null check (count >= 0),
      primary key (user_id, tag)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['tag_counts', 'mood_calendar', 'entry_history', 'journal_view', 'profile_view']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
