import { sql, type Kysely } from 'kysely';
import { createDeadLetters, createProjectionOffsets } from '../runtime-tables.js';

// The ai-worker's state, next to the events it appends so that both commit together.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Its consumer's offsets and dead letters: the projection runtime's own tables.
  await createProjectionOffsets(db);
  await createDeadLetters(db);

  // The current analysis of each entry: one EntryAnalyzed per entry version, at most.
  await sql`
    create table entry_analyses (
      entry_id      uuid primary key references journal_entries (id),
      user_id       uuid not null references users (id),
      entry_version integer not null,
      score         double precision not null check (score between -1 and 1),
      label         text not null check (label in ('positive', 'neutral', 'negative')),
      themes        jsonb not null,
      language      text not null,
      analyzed_at   timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index entry_analyses_user on entry_analyses (user_id)`.execute(db);

  // Scheduled insights: the next period each user's weekly and monthly insight is due for (due
  // once it has ended in the user's time zone, whatever that is by then). The row lock of the
  // transaction that writes one is the lease: other workers skip it.
  await sql`
    create table insight_schedule (
      user_id   uuid not null references users (id),
      kind      text not null check (kind in ('weekly', 'monthly')),
      next_from date not null,
      primary key (user_id, kind)
    )
  `.execute(db);

  // Every insight written, once per user, kind and period: a second writer's insert fails.
  await sql`
    create table insight_periods (
      user_id     uuid not null references users (id),
      kind        text not null,
      period_from date not null,
      period_to   date not null,
      insight_id  uuid not null unique,
      created_at  timestamptz not null default now(),
      primary key (user_id, kind, period_from, period_to)
    )
  `.execute(db);

  // Insights asked for with POST /v1/insights, waiting for a worker.
  await sql`
    create table insight_requests (
      insight_id   uuid primary key,
      user_id      uuid not null references users (id),
      kind         text not null,
      period_from  date not null,
      period_to    date not null,
      requested_at timestamptz not null default now()
    )
  `.execute(db);

  // Notifications a mailer could send (an outbox): one per insight for users who asked for email.
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
  await sql`create index notification_outbox_unsent on notification_outbox (created_at) where sent_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'notification_outbox',
    'insight_requests',
    'insight_periods',
    'insight_schedule',
    'entry_analyses',
    'dead_letters',
    'projection_offsets',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
