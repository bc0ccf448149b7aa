import { sql, type Kysely } from 'kysely';

// The analytics time series and their two aggregates, on one of two storage strategies,
// chosen here once: TimescaleDB hypertables and continuous aggregates when the extension can
// be created, else native range partitions and aggregate tables kept current by the
// projection. Both give the same relation names and columns, so readers never ask which.
//
// mood_events is a changelog: an entry's current mood is one row with sign +1; an edit
// appends a retraction (sign -1, the old values) and the new row; a delete appends a
// retraction. Summing sign over any grouping gives the entries as they stand now.
export async function up(db: Kysely<unknown>): Promise<void> {
  const timescale = await sql<{ available: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available`.execute(db);
  const strategy = timescale.rows[0]?.available === true ? 'timescaledb' : 'partitions';
  if (strategy === 'timescaledb') await sql`create extension if not exists timescaledb`.execute(db);

  await sql`
    create table analytics_storage (
      only_row   boolean primary key default true check (only_row),
      strategy   text not null check (strategy in ('timescaledb', 'partitions')),
      chosen_at  timestamptz not null default now()
    )`.execute(db);
  await sql`insert into analytics_storage (strategy) values (${strategy})`.execute(db);

  // The projection's own state: each writer's language and time zone, each entry's current row.
  await sql`
    create table analytics_users (
      user_id   uuid primary key,
      language  text not null,
      timezone  text not null
    )`.execute(db);
  await sql`
    create table entry_moods (
      entry_id          uuid primary key,
      user_id           uuid not null,
      version           integer not null,
      day               date not null,
      mood              text not null,
      mood_score        real,
      analyzed_score    real,
      analyzed_version  integer,
      tags              text[] not null,
      word_count        integer not null,
      language          text not null,
      timezone          text not null,
      deleted           boolean not null
    )`.execute(db);
  await sql`create index entry_moods_user on entry_moods (user_id)`.execute(db);

  const partitioned = strategy === 'partitions';
  await sql`
    create table mood_events (
      event_id    uuid not null,
      day         date not null,
      time        timestamptz not null,
      user_id     uuid not null,
      entry_id    uuid not null,
      sign        smallint not null check (sign in (-1, 1)),
      mood        text not null,
      mood_score  real check (mood_score between -1 and 1),
      tags        text[] not null,
      word_count  integer not null,
      language    text not null,
      timezone    text not null,
      primary key (day, event_id, sign)
    ) ${partitioned ? sql`partition by range (day)` : sql``}`.execute(db);
  await sql`create index mood_events_user on mood_events (user_id)`.execute(db);

  await sql`
    create table user_activity_events (
      event_id  uuid not null,
      time      timestamptz not null,
      user_id   uuid not null,
      kind      text not null check (kind in ('login', 'logout', 'entry_created', 'entry_updated', 'entry_deleted',
                                              'insight_viewed', 'settings_updated', 'profile_updated')),
      metadata  jsonb not null default '{}',
      language  text not null,
      timezone  text not null,
      primary key (time, event_id)
    ) ${partitioned ? sql`partition by range (time)` : sql``}`.execute(db);
  await sql`create index user_activity_events_user on user_activity_events (user_id)`.execute(db);

  await sql`
    create table journal_insights (
      event_id       uuid not null,
      time           timestamptz not null,
      user_id        uuid not null,
      insight_id     uuid not null,
      kind           text not null,
      period_from    date not null,
      period_to      date not null,
      entries        integer,
      words          integer,
      dominant_mood  text,
      positive       real,
      neutral        real,
      negative       real,
      language       text not null,
      timezone       text not null,
      primary key (time, event_id)
    ) ${partitioned ? sql`partition by range (time)` : sql``}`.execute(db);
  await sql`create index journal_insights_user on journal_insights (user_id)`.execute(db);

  if (partitioned) {
    await sql`
      create table mood_daily_summary (
        day         date not null,
        language    text not null,
        timezone    text not null,
        mood        text not null,
        entries     integer not null,
        scored      integer not null,
        score_sum   double precision not null,
        words       bigint not null,
        primary key (day, language, timezone, mood)
      )`.execute(db);
    await sql`
      create table user_weekly_activity (
        week              timestamptz not null,
        user_id           uuid not null,
        language          text not null,
        timezone          text not null,
        logins            integer not null,
        logouts           integer not null,
        entries_created   integer not null,
        entries_updated   integer not null,
        entries_deleted   integer not null,
        insights_viewed   integer not null,
        settings_updated  integer not null,
        profile_updated   integer not null,
        primary key (week, user_id, language, timezone)
      )`.execute(db);
    await sql`create index user_weekly_activity_user on user_weekly_activity (user_id)`.execute(db);
    return;
  }

  await sql`select create_hypertable('mood_events', by_range('day', interval '7 days'))`.execute(db);
  await sql`select create_hypertable('user_activity_events', by_range('time', interval '7 days'))`.execute(db);
  await sql`select create_hypertable('journal_insights', by_range('time', interval '1 month'))`.execute(db);
  await sql`
    create materialized view mood_daily_summary
    with (timescaledb.continuous, timescaledb.materialized_only = false) as
    select time_bucket('1 day', day) as day, language, timezone, mood,
           sum(sign)::integer as entries,
           coalesce(sum(sign) filter (where mood_score is not null), 0)::integer as scored,
           coalesce(sum(sign * mood_score), 0)::double precision as score_sum,
           sum(sign * word_count)::bigint as words
    from mood_events
    group by 1, 2, 3, 4
    with no data`.execute(db);
  await sql`
    create materialized view user_weekly_activity
    with (timescaledb.continuous, timescaledb.materialized_only = false) as
    select time_bucket('7 days', time) as week, user_id, language, timezone,
           count(*) filter (where kind = 'login')::integer as logins,
           count(*) filter (where kind = 'logout')::integer as logouts,
           count(*) filter (where kind = 'entry_created')::integer as entries_created,
           count(*) filter (where kind = 'entry_updated')::integer as entries_updated,
           count(*) filter (where kind = 'entry_deleted')::integer as entries_deleted,
           count(*) filter (where kind = 'insight_viewed')::integer as insights_viewed,
           count(*) filter (where kind = 'settings_updated')::integer as settings_updated,
           count(*) filter (where kind = 'profile_updated')::integer as profile_updated
    from user_activity_events
    group by 1, 2, 3, 4
    with no data`.execute(db);
  await sql`select add_continuous_aggregate_policy('mood_daily_summary',
    start_offset => interval '11 months', end_offset => interval '1 day', schedule_interval => interval '1 hour')`.execute(
    db,
  );
  await sql`select add_continuous_aggregate_policy('user_weekly_activity',
    start_offset => interval '5 months', end_offset => interval '1 hour', schedule_interval => interval '1 hour')`.execute(
    db,
  );
  await sql`select add_retention_policy('mood_events', interval '1 year')`.execute(db);
  await sql`select add_retention_policy('user_activity_events', interval '6 months')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const view of ['mood_daily_summary', 'user_weekly_activity']) {
    await sql`drop materialized view if exists ${sql.id(view)}`.execute(db).catch(() => undefined);
    await sql`drop table if exists ${sql.id(view)}`.execute(db);
  }
  for (const table of ['journal_insights', 'user_activity_events', 'mood_events', 'entry_moods', 'analytics_users']) {
    await sql`drop table ${sql.id(table)}`.execute(db);
  }
  await sql`drop table analytics_storage`.execute(db);
}
