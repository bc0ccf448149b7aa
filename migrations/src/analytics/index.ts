import type { Migration } from 'kysely';

/** mindflow_analytics: time series of moods, activity and insights, and their aggregates. */
export const analyticsMigrations: Record<string, Migration> = {};
