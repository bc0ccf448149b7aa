import type { HttpServer } from '@mindflow/core/http';
import { serve } from '@mindflow/core/runtime';
import type { PlatformConfig } from './config.js';
import { migrateDatabases } from './migrate.js';

/**
 * The whole platform in one process on one port: engines (embedded where not configured),
 * migrations, and every service's routes and workers.
 */
export function startPlatform(config: PlatformConfig): Promise<HttpServer> {
  return serve({
    name: 'mindflow',
    title: 'MindFlow',
    ...config,
    mount: async (_app, engines, logger) => {
      await migrateDatabases(engines.databases, logger);
      return undefined;
    },
  });
}
