import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import type { SchemaName } from '@mindflow/migrations';
import type { PlatformConfig } from '../config.js';
import { migrateDatabases } from '../migrate.js';

/** Applies pending migrations to the chosen databases and says how many it applied. */
export async function migrate(config: PlatformConfig, schemas: readonly SchemaName[]): Promise<number> {
  const logger = createLogger(config.logging, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database }, logger);
  try {
    const applied = await migrateDatabases(engines.databases, logger, schemas);
    process.stdout.write(`${applied} migration(s) applied to ${schemas.join(', ')}\n`);
    return 0;
  } finally {
    await engines.close();
  }
}
