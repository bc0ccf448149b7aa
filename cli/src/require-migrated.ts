import type { Databases } from '@mindflow/core/postgres';
import { migrationStatus, schemaNames } from '@mindflow/migrations';

/** Says which migrations are pending (and returns false) before a command reads a stale schema. */
export async function requireMigrated(databases: Databases): Promise<boolean> {
  const pending: string[] = [];
  for (const schema of schemaNames) {
    const states = await migrationStatus(databases[schema].db, schema);
    pending.push(...states.filter((state) => state.executedAt === undefined).map((state) => `${schema}/${state.name}`));
  }
  if (pending.length === 0) return true;
  process.stderr.write(`pending migrations (${pending.join(', ')}): run \`mindflow migrate\` first\n`);
  return false;
}
