import { Migrator, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { analyticsMigrations } from './analytics/index.js';
import { readMigrations } from './read/index.js';
import { writeMigrations } from './write/index.js';

/** Each database has its own ordered migrations (names sort in the order they apply). */
const schemas = {
  write: writeMigrations,
  read: readMigrations,
  analytics: analyticsMigrations,
} satisfies Record<string, Record<string, Migration>>;

export type SchemaName = keyof typeof schemas;
export const schemaNames = Object.keys(schemas) as SchemaName[];

export interface MigrationState {
  readonly name: string;
  readonly executedAt: Date | undefined;
}

function migrator<DB>(db: Kysely<DB>, schema: SchemaName): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => schemas[schema] },
    migrationTableName: 'schema_migration',
    migrationLockTableName: 'schema_migration_lock',
  });
}

/**
 * Applies every pending migration of `schema`, in order, each in its own transaction, under
 * Kysely's migration lock (so concurrent starts are safe). Throws the first failure, naming
 * the migration; those before it stay applied.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  schema: SchemaName,
  onApplied: (result: MigrationResult) => void = () => undefined,
): Promise<readonly MigrationResult[]> {
  const { error, results = [] } = await migrator(db, schema).migrateToLatest();
  for (const result of results) if (result.status === 'Success') onApplied(result);
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new Error(`migration ${schema}/${failed?.migrationName ?? '?'} failed`, { cause: error });
  }
  return results;
}

/** Every known migration of `schema` and when it was applied (undefined: pending). */
export async function migrationStatus<DB>(db: Kysely<DB>, schema: SchemaName): Promise<readonly MigrationState[]> {
  const migrations = await migrator(db, schema).getMigrations();
  return migrations.map((migration) => ({
    name: migration.name,
    executedAt: migration.executedAt,
  }));
}
