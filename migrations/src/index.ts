export { migrateToLatest, migrationStatus, schemaNames, type SchemaName, type MigrationState } from './migrate.js';
export { journalEntriesTemplate } from './elasticsearch/journal-entries.js';
export { createAnalystViews } from './analytics/analyst-views.js';
export { ensureAuditIndexes, type AuditIndexCapabilities } from './mongo/audit-indexes.js';
