import { createMemoryCache, createRedisCache } from '@mindflow/core/cache';
import { openBlobStore } from '@mindflow/core/blobs';
import { localUrl } from '@mindflow/core/config';
import { serve } from '@mindflow/core/runtime';
import { runMain } from '@mindflow/core/program';
import { loadConfig } from './config.js';
import { mountAiWorker } from './mount.js';

// Runs the ai-worker alone (analysis consumer and insight scheduler), against the configured engines.
runMain(async () => {
  const config = loadConfig();
  return serve({
    name: 'ai-worker',
    title: 'MindFlow ai-worker',
    ...config,
    mount: async (app, engines, logger, readiness, audit) =>
      await mountAiWorker(app, engines, logger, readiness, {
        secrets: config.secrets,
        // Statuses must reach the query-service: alone, the worker needs Redis for that.
        cache: engines.redis === undefined ? createMemoryCache() : createRedisCache(engines.redis),
        ai: config.ai,
        readyLag: config.readyLag,
        audit,
        // Without S3, the folder under MINDFLOW_DATA_DIR (the services that hand out links serve it).
        blobs: await openBlobStore(app, engines.s3, {
          dataDir: config.dataDir,
          jwtSecret: config.secrets.jwtSecret,
          baseUrl: () => localUrl(config.server),
        }),
      }),
  });
});
