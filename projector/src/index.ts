export { loadConfig, type ProjectorConfig } from './config.js';
export { startProjector, type Projector, type ProjectorOptions, type WriteSide } from './service.js';
export type { ReadModelTables } from './read-model/tables.js';
export type { AnalyticsProjectionTables } from './analytics/tables.js';
export { projectorDatabases, readModel, writeSide, analyticsModel, mailSide } from './database.js';
export { rebuildProjection } from './rebuild.js';
export { reindexSearch } from './search/reindex.js';
export { indexEvents, searchIndexing } from './search/indexing.js';
export { auditTrail } from './audit/projection.js';
export { rebuildAudit, type AuditRebuildResult } from './audit/rebuild.js';
export { cacheInvalidation } from './cache/invalidation.js';
export { mailDelivery, mailProjectionName } from './mail/projection.js';
export { mailLinks } from './mail/messages.js';
export { raiseDueReminders, type ReminderRun } from './notifier/reminders.js';
export {
  projectionStatus,
  listDeadLetters,
  replayDeadLetters,
  type ProjectionStatus,
  type DeadLetter,
  type ProjectionStore,
  type ReplayTarget,
} from './operations.js';
export { databaseProjections, bindProjection, type BoundProjection, type ProjectionDatabases } from './projections.js';
export { analyticsProjection } from './analytics/projection.js';
export { readModelProjection } from './read-model/projection.js';
export { analyticsStore, partitionStore, type AnalyticsStore } from './analytics/store.js';
export { mountProjector } from './mount.js';
