import { runClustered } from '@mindflow/core/cluster';
import { createLogger } from '@mindflow/core/logging';
import { openEmbeddedPostgres } from '@mindflow/core/postgres';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import type { PlatformConfig } from './config.js';

/**
 * `mindflow start`: the platform in `config.workers` processes on one port (runClustered). The
 * primary starts the embedded PostgreSQL (when no database is configured) and makes the secrets
 * before any worker runs, so that the workers join the one and read the other.
 */
export async function runPlatform(config: PlatformConfig): Promise<void> {
  const logger = createLogger(config.logging, 'mindflow');
  await runClustered(
    {
      workers: config.workers,
      logger,
      prepare: async () => {
        if (config.security.secrets === undefined) await loadOrCreateSecrets(config.engines.dataDir);
        const database = config.engines.database;
        if (database.kind !== 'embedded') return async () => undefined;
        const embedded = await openEmbeddedPostgres(database.dataDir, logger);
        return () => embedded.stop();
      },
    },
    // Loaded here, in the workers only: the primary starts sooner without the services' code.
    async () => (await import('./platform.js')).startPlatform(config),
  );
}
