import type { AnalyticsTables } from '@mindflow/core/analytics';
import { moods } from '@mindflow/core/domain';
import type { Kysely } from 'kysely';

export type AnalyticsDb = Kysely<AnalyticsTables>;
export type Cohort = 'language' | 'timezone';

export interface ReportQuery {
  readonly from: string;
  readonly to: string;
  readonly by?: Cohort;
}

const suffix = (by: Cohort | undefined) => (by === undefined ? '' : (`_by_${by}` as const));
const number = (value: string | number | null) => (value === null ? null : Number(value));
const isoDate = (value: Date | string) => (typeof value === 'string' ? value : value.toISOString().slice(0, 10));
const cohortOf = (row: { language?: string; timezone?: string }) => ({
  ...(row.language === undefined ? {} : { language: row.language }),
  ...(row.timezone === undefined ? {} : { timezone: row.timezone }),
});

/**
 * Daily moods of the cohort, from analyst views that leave out every group of fewer than k
 * people (and the next smallest when the left-out groups would add up to fewer than k).
 */
export async function moodDaily(db: AnalyticsDb, query: ReportQuery) {
  const rows = await db
    .selectFrom(`analyst.mood_daily${suffix(query.by)}`)
    .selectAll()
    .where('day', '>=', query.from)
    .where('day', '<=', query.to)
    .orderBy('day')
    .$if(query.by !== undefined, (q) => q.orderBy(query.by ?? 'day'))
    .execute();
  return rows.map((row) => ({
    day: isoDate(row.day),
    ...cohortOf(row as { language?: string; timezone?: string }),
    users: row.users,
    entries: row.entries,
    avgMoodScore: number(row.avg_mood_score),
    moods: { ...Object.fromEntries(moods.map((mood) => [mood, row[mood]])), none: row.no_mood },
  }));
}

/** Weekly activity of the cohort (weeks start on Monday, UTC), small groups left out. */
export async function activityWeekly(db: AnalyticsDb, query: ReportQuery) {
  const rows = await db
    .selectFrom(`analyst.activity_weekly${suffix(query.by)}`)
    .selectAll()
    .where('week', '>=', new Date(`${query.from}T00:00:00Z`))
    .where('week', '<=', new Date(`${query.to}T00:00:00Z`))
    .orderBy('week')
    .$if(query.by !== undefined, (q) => q.orderBy(query.by ?? 'week'))
    .execute();
  return rows.map((row) => ({
    week: isoDate(row.week),
    ...cohortOf(row as { language?: string; timezone?: string }),
    users: row.users,
    logins: row.logins,
    logouts: row.logouts,
    entriesCreated: row.entries_created,
    entriesUpdated: row.entries_updated,
    entriesDeleted: row.entries_deleted,
    insightsViewed: row.insights_viewed,
    settingsUpdated: row.settings_updated,
    profileUpdated: row.profile_updated,
  }));
}

/** Insights generated per week of their period and kind, with their average figures; small groups left out. */
export async function insightsSummary(db: AnalyticsDb, query: ReportQuery & { kind?: string }) {
  const rows = await db
    .selectFrom(`analyst.insights_weekly${suffix(query.by)}`)
    .selectAll()
    .where('week', '>=', query.from)
    .where('week', '<=', query.to)
    .$if(query.kind !== undefined, (q) => q.where('kind', '=', query.kind ?? ''))
    .orderBy('week')
    .orderBy('kind')
    .$if(query.by !== undefined, (q) => q.orderBy(query.by ?? 'week'))
    .execute();
  return rows.map((row) => ({
    week: isoDate(row.week),
    kind: row.kind,
    ...cohortOf(row as { language?: string; timezone?: string }),
    users: row.users,
    insights: row.insights,
    avgEntries: number(row.avg_entries),
    avgWords: number(row.avg_words),
    avgPositive: number(row.avg_positive),
    avgNeutral: number(row.avg_neutral),
    avgNegative: number(row.avg_negative),
  }));
}
