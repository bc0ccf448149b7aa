import {
  activityCounts,
  analyticsStrategy,
  ensurePartitions,
  isExpired,
  monthOf,
  type AnalyticsStrategy,
  type AnalyticsTables,
  type TimeSeries,
} from '@mindflow/core/analytics';
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { AnalyticsChanges } from './changes.js';
import type { AnalyticsProjectionTables } from './tables.js';

type Db = Kysely<AnalyticsProjectionTables>;

/**
 * Where the analytics projection writes: the raw time series, and the daily mood and weekly
 * activity aggregates. Two adapters, one per storage strategy; the analyst views read the
 * same relation names from either.
 */
export interface AnalyticsStore {
  readonly strategy: AnalyticsStrategy;
  write(trx: Db, changes: AnalyticsChanges, now: Date): Promise<void>;
}

export async function analyticsStore<DB>(db: Kysely<DB>): Promise<AnalyticsStore> {
  return (await analyticsStrategy(db)) === 'timescaledb' ? timescaleStore : partitionStore;
}

/** Native range partitions, and aggregates kept current here from each batch's changes. */
export const partitionStore: AnalyticsStore = {
  strategy: 'partitions',
  write: async (trx, changes, now) => {
    const written = await writeRaw(trx, changes, now, true);
    await addMoodCounts(trx, changes);
    // An activity row already there was counted when it was written: a redelivery adds nothing.
    await addActivityCounts(trx, {
      ...changes,
      activity: changes.activity.filter((row) => !written.existing.has(row.event_id)),
    });
    await erase(trx, changes.erased);
    for (const userId of changes.erased) {
      // One pseudonym per erased writer keeps the weekly counts of distinct people right.
      await trx
        .updateTable('user_weekly_activity')
        .set({ user_id: randomUUID() })
        .where('user_id', '=', userId)
        .execute();
    }
  },
};

/** TimescaleDB hypertables: the continuous aggregates follow the raw rows by themselves. */
export const timescaleStore: AnalyticsStore = {
  strategy: 'timescaledb',
  write: async (trx, changes, now) => {
    await writeRaw(trx, changes, now, false);
    await erase(trx, changes.erased);
  },
};

/**
 * Raw rows, each at most once (the unique event id); rows already past retention are not
 * written (their partition is gone or going), while the aggregates still count them. Returns
 * the event ids of the activity rows that were there already.
 */
async function writeRaw(
  trx: Db,
  changes: AnalyticsChanges,
  now: Date,
  partitioned: boolean,
): Promise<{ existing: Set<string> }> {
  const insert = async <T extends TimeSeries>(
    table: T,
    rows: readonly Insertable<AnalyticsProjectionTables[T]>[],
    at: (row: Insertable<AnalyticsProjectionTables[T]>) => Date | string,
  ) => {
    const kept = rows.filter((row) => !isExpired(table, at(row), now));
    if (partitioned)
      await ensurePartitions(
        trx,
        table,
        kept.map((row) => monthOf(at(row))),
      );
    // Rows are typed per series by `rows`; the insert itself is the same for all three.
    const series = trx as unknown as Kysely<Record<TimeSeries, Record<string, unknown>>>;
    const name: TimeSeries = table;
    const values: readonly Record<string, unknown>[] = kept;
    const skipped: unknown[] = [];
    for (const chunk of chunks(values)) {
      const added = new Set(
        (
          await series
            .insertInto(name)
            .values(chunk)
            .onConflict((c) => c.doNothing())
            .returning('event_id')
            .execute()
        ).map((row) => row.event_id),
      );
      for (const row of chunk) if (!added.has(row.event_id)) skipped.push(row.event_id);
    }
    return skipped;
  };
  await insert('mood_events', changes.moods, (row) => row.day);
  const existing = await insert('user_activity_events', changes.activity, (row) => row.time);
  await insert('journal_insights', changes.insights, (row) => row.time);
  return { existing: new Set(existing.filter((id): id is string => typeof id === 'string')) };
}

async function erase(trx: Db, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await trx.deleteFrom('mood_events').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('user_activity_events').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('journal_insights').where('user_id', 'in', userIds).execute();
}

/** The batch's mood rows summed per (day, language, timezone, mood) and added in one statement. */
async function addMoodCounts(trx: Db, changes: AnalyticsChanges): Promise<void> {
  const sums = new Map<string, Insertable<AnalyticsTables['mood_daily_summary']>>();
  for (const row of changes.moods) {
    const key = JSON.stringify([row.day, row.language, row.timezone, row.mood]);
    const sum = sums.get(key) ?? {
      day: row.day,
      language: row.language,
      timezone: row.timezone,
      mood: row.mood,
      entries: 0,
      scored: 0,
      score_sum: 0,
      words: 0,
    };
    sum.entries += row.sign;
    if (row.mood_score !== null) {
      sum.scored += row.sign;
      sum.score_sum += row.sign * row.mood_score;
    }
    sum.words += row.sign * row.word_count;
    sums.set(key, sum);
  }
  // In key order, so that concurrent batches lock the same rows in the same order.
  const rows = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, sum]) => sum);
  for (const chunk of chunks(rows)) {
    await trx
      .insertInto('mood_daily_summary')
      .values(chunk)
      .onConflict((c) =>
        c.columns(['day', 'language', 'timezone', 'mood']).doUpdateSet({
          entries: sql`mood_daily_summary.entries + excluded.entries`,
          scored: sql`mood_daily_summary.scored + excluded.scored`,
          score_sum: sql`mood_daily_summary.score_sum + excluded.score_sum`,
          words: sql`mood_daily_summary.words + excluded.words`,
        }),
      )
      .execute();
  }
}

type Counts = Record<(typeof activityCounts)[keyof typeof activityCounts], number>;
const zeroCounts = (): Counts => ({
  logins: 0,
  logouts: 0,
  entries_created: 0,
  entries_updated: 0,
  entries_deleted: 0,
  insights_viewed: 0,
  settings_updated: 0,
  profile_updated: 0,
});

/** The batch's activity counted per (week, writer, language, timezone) and added in one statement. */
async function addActivityCounts(trx: Db, changes: AnalyticsChanges): Promise<void> {
  const sums = new Map<string, { week: Date; user_id: string; language: string; timezone: string } & Counts>();
  for (const row of changes.activity) {
    const week = weekOf(row.time);
    const key = JSON.stringify([week.toISOString(), row.user_id, row.language, row.timezone]);
    const sum = sums.get(key) ?? {
      week,
      user_id: row.user_id,
      language: row.language,
      timezone: row.timezone,
      ...zeroCounts(),
    };
    sum[activityCounts[row.kind]] += 1;
    sums.set(key, sum);
  }
  const rows = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, sum]) => sum);
  const add = (column: keyof Counts) =>
    sql<number>`user_weekly_activity.${sql.ref(column)} + excluded.${sql.ref(column)}`;
  for (const chunk of chunks(rows)) {
    await trx
      .insertInto('user_weekly_activity')
      .values(chunk)
      .onConflict((c) =>
        c
          .columns(['week', 'user_id', 'language', 'timezone'])
          .doUpdateSet(
            Object.fromEntries(Object.keys(zeroCounts()).map((column) => [column, add(column as keyof Counts)])),
          ),
      )
      .execute();
  }
}

/** The Monday 00:00 UTC that starts the week of `at` (as date_trunc('week') and time_bucket do). */
export function weekOf(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 86_400_000);
}

function* chunks<T>(rows: readonly T[], size = 1_000): Generator<T[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}
