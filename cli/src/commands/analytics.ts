import { createAnalystLogin, setMinGroupSize } from '@mindflow/core/analytics';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { randomBytes } from 'node:crypto';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

type Action = { kind: 'sql-user'; name: string } | { kind: 'min-group-size'; k: number };

/**
 * `analytics sql-user NAME`: a PostgreSQL login for analysts' SQL tools that reads the
 * analyst views and nothing else (its password is printed once). `analytics min-group-size K`:
 * the smallest group the views and the API show.
 */
export async function analytics(config: PlatformConfig, action: Action): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const db = engines.databases.analytics.db;
    if (action.kind === 'min-group-size') {
      await setMinGroupSize(db, action.k);
      process.stdout.write(`groups of fewer than ${String(action.k)} people are now left out\n`);
      return 0;
    }
    const password = randomBytes(18).toString('base64url');
    await createAnalystLogin(db, action.name, password);
    const url = new URL(engines.databases.urls.analytics);
    Object.assign(url, { username: action.name, password });
    process.stdout.write(`created ${action.name}; connect with:\n  psql '${url.toString()}'\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await engines.close();
  }
}
