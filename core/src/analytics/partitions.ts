import { sql, type Kysely } from 'kysely';
import { partitionsOf } from '../postgres/index.js';

/**
 * The partitioned time series, the column each is partitioned on by month, and how many
 * months of raw rows are kept (null: forever). The aggregates outlive the raw rows.
 */
export const timeSeries = {
  mood_events: { column: 'day', keepMonths: 12 },
  user_activity_events: { column: 'time', keepMonths: 6 },
  journal_insights: { column: 'time', keepMonths: null },
} as const satisfies Record<string, { column: string; keepMonths: number | null }>;
export type TimeSeries = keyof typeof timeSeries;

/** Months are 'YYYY-MM', in UTC. */
export const monthOf = (at: Date | string): string =>
  typeof at === 'string' ? at.slice(0, 7) : at.toISOString().slice(0, 7);

export function addMonths(month: string, count: number): string {
  const [year = 0, index = 1] = month.split('-').map(Number);
  const date = new Date(Date.UTC(year, index - 1 + count, 1));
  return date.toISOString().slice(0, 7);
}

export const partitionName = (table: TimeSeries, month: string) => `${table}_p${month.replace('-', '_')}`;

/**
 * Whether a raw row dated `at` is past retention at `now`: its month's partition is dropped
 * once the whole month is older than the retention period, and such rows are not written.
 */
export function isExpired(table: TimeSeries, at: Date | string, now: Date): boolean {
  const keep = timeSeries[table].keepMonths;
  if (keep === null) return false;
  return addMonths(monthOf(at), 1) <= addMonths(monthOf(now), -keep);
}

/** Creates the monthly partitions of `table` for `months` that do not exist yet. */
export async function ensurePartitions<DB>(db: Kysely<DB>, table: TimeSeries, months: Iterable<string>): Promise<void> {
  const suffix = timeSeries[table].column === 'time' ? sql`::timestamptz` : sql`::date`;
  for (const month of new Set(months)) {
    await sql`
      create table if not exists ${sql.id(partitionName(table, month))} partition of ${sql.id(table)}
      for values from (${sql.lit(`${month}-01`)}${suffix}) to (${sql.lit(`${addMonths(month, 1)}-01`)}${suffix})`.execute(
      db,
    );
  }
}

/** The months that `table` has a partition for, oldest first. */
export async function partitionMonths<DB>(db: Kysely<DB>, table: TimeSeries): Promise<string[]> {
  const prefix = `${table}_p`;
  return (await partitionsOf(db, table))
    .map((partition) => partition.name)
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length).replace('_', '-'))
    .sort();
}

export interface Maintenance {
  readonly created: readonly string[];
  readonly dropped: readonly string[];
}

/**
 * Keeps the partitions of every time series: this month and `aheadMonths` after it exist
 * before rows arrive, and partitions whose month is past retention are dropped (raw rows
 * only: the aggregates keep their counts).
 */
export async function maintainPartitions<DB>(db: Kysely<DB>, now: Date, aheadMonths = 3): Promise<Maintenance> {
  const created: string[] = [];
  const dropped: string[] = [];
  const current = monthOf(now);
  for (const table of Object.keys(timeSeries) as TimeSeries[]) {
    const existing = new Set(await partitionMonths(db, table));
    const wanted = Array.from({ length: aheadMonths + 1 }, (_, index) => addMonths(current, index));
    const missing = wanted.filter((month) => !existing.has(month));
    await ensurePartitions(db, table, missing);
    created.push(...missing.map((month) => partitionName(table, month)));
    for (const month of existing) {
      if (!isExpired(table, `${month}-01`, now)) continue;
      await sql`drop table ${sql.id(partitionName(table, month))}`.execute(db);
      dropped.push(partitionName(table, month));
    }
  }
  return { created, dropped };
}
