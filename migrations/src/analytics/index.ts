import type { Migration } from 'kysely';
import * as projectionOffsets from '../read/0002-projection-offsets.js';
import * as deadLetters from '../read/0003-dead-letters.js';
import * as analyticsStorage from './0002-analytics-storage.js';
import * as analystAccess from './0003-analyst-access.js';
import * as queryAuditMoves from './0004-query-audit-moves.js';
import * as writerVersions from './0011-writer-versions.js';

/** mindflow_analytics: time series of moods, activity and insights, and their aggregates. */
export const analyticsMigrations: Record<string, Migration> = {
  // The projection runtime's own tables, as in the read database.
  '0001-projection-offsets': projectionOffsets,
  '0001-dead-letters': deadLetters,
  '0002-analytics-storage': analyticsStorage,
  '0003-analyst-access': analystAccess,
  '0004-query-audit-moves': queryAuditMoves,
  '0011-writer-versions': writerVersions,
};
