import { createMemoryCache, createRedisCache } from '@mindflow/core/cache';
import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';
import { mountAiWorker } from './mount.js';

// Runs the ai-worker alone (analysis consumer and insight scheduler), against the configured engines.
runMain(async () => {
  const config = loadConfig();
  return serve({
    name: 'ai-worker',
    title: 'MindFlow ai-worker',
    ...config,
    mount: async (app, engines, logger, readiness) =>
      mountAiWorker(app, engines, logger, readiness, {
        secrets: config.secrets,
        // Statuses must reach the query-service: alone, the worker needs Redis for that.
        cache: engines.redis === undefined ? createMemoryCache() : createRedisCache(engines.redis.redis),
        ai: config.ai,
      }),
  });
});
