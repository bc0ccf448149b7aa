import { sql, type Kysely } from 'kysely';
import type { AnalyticsStrategy } from './tables.js';

/** The storage strategy the analytics migration chose for this database. */
export async function analyticsStrategy<DB>(db: Kysely<DB>): Promise<AnalyticsStrategy> {
  const row = await sql<{ strategy: AnalyticsStrategy }>`select strategy from analytics_storage`.execute(db);
  const strategy = row.rows[0]?.strategy;
  if (strategy === undefined) throw new Error('the analytics database is not migrated (no analytics_storage row)');
  return strategy;
}

/** Sets k: analyst views and routes leave out groups of fewer than k distinct people. */
export async function setMinGroupSize<DB>(db: Kysely<DB>, k: number): Promise<void> {
  if (!Number.isInteger(k) || k < 2) throw new RangeError('the smallest group must be a whole number, at least 2');
  await sql`update analytics_settings set min_group_size = ${k}`.execute(db);
}

/**
 * A login for analysts' SQL tools: a member of mindflow_analyst, which reads the `analyst`
 * views of the analytics database and nothing else.
 */
export async function createAnalystLogin<DB>(db: Kysely<DB>, name: string, password: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError('a login name is lowercase letters, digits and _');
  await sql`create role ${sql.id(name)} login password ${sql.lit(password)} in role mindflow_analyst`.execute(db);
}
