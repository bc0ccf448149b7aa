import type { AnalyticsTables, InsightRow, MoodEventRow } from '@mindflow/core/analytics';
import type { Insertable } from 'kysely';

/** What a batch of events adds to the analytics time series. */
export interface AnalyticsChanges {
  readonly moods: MoodEventRow[];
  readonly activity: Insertable<AnalyticsTables['user_activity_events']>[];
  readonly insights: InsightRow[];
  /** Writers whose raw rows go (erasure); the aggregates keep anonymous counts. */
  readonly erased: string[];
}

export const noChanges = (): AnalyticsChanges => ({ moods: [], activity: [], insights: [], erased: [] });
