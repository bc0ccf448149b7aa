import type { Logger } from '@mindflow/core/logging';
import type { Databases } from '@mindflow/core/postgres';
import { migrateToLatest, schemaNames, type SchemaName } from '@mindflow/migrations';

/** Brings the chosen databases (all by default) to their latest schema, logging each step. */
export async function migrateDatabases(
  databases: Databases,
  logger: Logger,
  schemas: readonly SchemaName[] = schemaNames,
): Promise<number> {
  let applied = 0;
  for (const schema of schemas) {
    await migrateToLatest(databases[schema].db, schema, (result) => {
      applied += 1;
      logger.info({ database: schema, migration: result.migrationName }, 'migration applied');
    });
  }
  return applied;
}
