export { migrateToLatest, migrationStatus, schemaNames, type SchemaName, type MigrationState } from './migrate.js';
