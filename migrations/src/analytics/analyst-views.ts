import { sql, type Kysely, type RawBuilder } from 'kysely';

const moods = ['ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry'] as const;
const dimensions = { '': [], _by_language: ['language'], _by_timezone: ['timezone'] } as const;

/**
 * (Re)creates the views of the schema `analyst` over the aggregates, readable by the
 * mindflow_analyst role when it exists. A rebuild of the analytics projection calls this
 * again after it swaps the new tables in.
 */
export async function createAnalystViews<DB>(db: Kysely<DB>): Promise<void> {
  for (const [suffix, dims] of Object.entries(dimensions)) {
    const by = dims.map((dim) => sql.ref(dim));
    const moodCounts = moods.map(
      (mood) => sql`coalesce(sum(entries) filter (where mood = ${sql.lit(mood)}), 0)::integer as ${sql.ref(mood)}`,
    );
    // One entry per writer per date: on a day, a group's entries are its distinct writers.
    await reportView(
      `mood_daily${suffix}`,
      ['day'],
      dims,
      [...moods, 'no_mood', 'entries', 'avg_mood_score'],
      sql`
      select day, ${list(by)} sum(entries)::integer as users, sum(entries)::integer as entries,
             round((sum(score_sum) / nullif(sum(scored), 0))::numeric, 3) as avg_mood_score,
             ${sql.join(moodCounts)},
             coalesce(sum(entries) filter (where mood = 'none'), 0)::integer as no_mood
      from mood_daily_summary group by day ${group(by)} having sum(entries) > 0`,
    ).execute(db);

    await reportView(
      `activity_weekly${suffix}`,
      ['week'],
      dims,
      [
        'logins',
        'logouts',
        'entries_created',
        'entries_updated',
        'entries_deleted',
        'insights_viewed',
        'settings_updated',
        'profile_updated',
      ],
      sql`
      select week, ${list(by)} count(distinct user_id)::integer as users,
             sum(logins)::integer as logins, sum(logouts)::integer as logouts,
             sum(entries_created)::integer as entries_created, sum(entries_updated)::integer as entries_updated,
             sum(entries_deleted)::integer as entries_deleted, sum(insights_viewed)::integer as insights_viewed,
             sum(settings_updated)::integer as settings_updated, sum(profile_updated)::integer as profile_updated
      from user_weekly_activity group by week ${group(by)}`,
    ).execute(db);

    await reportView(
      `insights_weekly${suffix}`,
      ['week', 'kind'],
      dims,
      ['insights', 'avg_entries', 'avg_words', 'avg_positive', 'avg_neutral', 'avg_negative'],
      sql`
      select date_trunc('week', period_from)::date as week, kind, ${list(by)}
             count(distinct user_id)::integer as users, count(*)::integer as insights,
             round(avg(entries)::numeric, 1) as avg_entries, round(avg(words)::numeric, 1) as avg_words,
             round(avg(positive)::numeric, 1) as avg_positive, round(avg(neutral)::numeric, 1) as avg_neutral,
             round(avg(negative)::numeric, 1) as avg_negative
      from journal_insights group by 1, kind ${group(by)}`,
    ).execute(db);
  }

  await sql`
    do $$
    begin
      if exists (select from pg_roles where rolname = 'mindflow_analyst') then
        grant select on all tables in schema analyst to mindflow_analyst;
      end if;
    end $$`.execute(db);
}

/**
 * A view of `groups` (which has a `users` column) that leaves out every group of fewer than
 * k people, and, when that leaves out fewer than k people in all, the next smallest groups
 * of the same period too: so a total minus the groups shown never singles anyone out.
 */
function reportView(
  name: string,
  period: readonly string[],
  dims: readonly string[],
  measures: readonly string[],
  groups: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const partition = sql.join(period.map((column) => sql.ref(column)));
  const order = sql.join(['users', ...dims].map((column) => sql.ref(column)));
  const columns = [...period, ...dims, 'users', ...measures].map((column) => sql.ref(`ranked.${column}`));
  return sql`
    create or replace view ${sql.id('analyst', name)} as
    with groups as (${groups}),
    ranked as (
      select groups.*,
             min(users) over (partition by ${partition}) as smallest,
             coalesce(sum(users) over (partition by ${partition} order by ${order}
                                       rows between unbounded preceding and 1 preceding), 0) as before
      from groups
    )
    select ${sql.join(columns)}
    from ranked cross join analytics_settings settings
    where not (ranked.smallest < settings.min_group_size
               and (ranked.users < settings.min_group_size or ranked.before < settings.min_group_size))`;
}

const list = (by: readonly RawBuilder<unknown>[]) => (by.length === 0 ? sql`` : sql`${sql.join(by)},`);
const group = (by: readonly RawBuilder<unknown>[]) => (by.length === 0 ? sql`` : sql`, ${sql.join(by)}`);
