import { ConfigError } from '@mindflow/core/config';
import { assertCommitOrderReachable } from '@mindflow/core/eventstore';
import type { Databases } from '@mindflow/core/postgres';
import { migrationStatus, schemaNames } from '@mindflow/migrations';

/**
 * Says which migrations are pending (and returns false) before a command reads a stale schema;
 * and refuses, as every service does at start, a write database copied from another cluster
 * (assertCommitOrderReachable), whose log no command could read or extend in order.
 */
export async function requireMigrated(databases: Databases): Promise<boolean> {
  const pending: string[] = [];
  for (const schema of schemaNames) {
    const states = await migrationStatus(databases[schema].db, schema);
    pending.push(...states.filter((state) => state.executedAt === undefined).map((state) => `${schema}/${state.name}`));
  }
  if (pending.length > 0) {
    process.stderr.write(`pending migrations (${pending.join(', ')}): run \`mindflow migrate\` first\n`);
    return false;
  }
  try {
    await assertCommitOrderReachable(databases.write.db);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return false;
  }
  return true;
}
