import { claimedCaller, createAccessTokens } from '@mindflow/core/auth';
import { openBlobStore } from '@mindflow/core/blobs';
import { localUrl } from '@mindflow/core/config';
import { serve } from '@mindflow/core/runtime';
import { writeDatabase } from '@mindflow/core/write-model';
import { mountCommandService } from './service.js';
import type { loadConfig } from './config.js';

/** The command service's server, in this process (main.ts runs it in each worker). */
export function serveCommands(config: ReturnType<typeof loadConfig>) {
  // Who asked, for the request log only: access is checked, sessions included, by the routes.
  const tokens = createAccessTokens(config.secrets.jwtSecret, 0);
  return serve({
    name: 'command-service',
    title: 'MindFlow command service',
    ...config,
    callerOf: async (request) => (await claimedCaller(tokens, request))?.userId ?? null,
    mount: async (app, engines, logger) => {
      const blobs = await openBlobStore(app, engines.s3, {
        dataDir: config.dataDir,
        jwtSecret: config.secrets.jwtSecret,
        baseUrl: () => localUrl(config.server),
      });
      await mountCommandService(app, {
        blobs,
        db: writeDatabase(engines.databases.write.db),
        redis: engines.redis,
        secrets: config.secrets,
        security: config.security,
        rateLimits: config.rateLimits,
        logger,
      });
      return undefined;
    },
  });
}
