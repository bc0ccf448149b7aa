import { openAuditStore } from '@mindflow/core/audit';
import { createRedisCache } from '@mindflow/core/cache';
import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';
import { mountProjector } from './mount.js';

// Runs the projector alone (relay and projections), against the configured engines.
runMain(async () => {
  const config = loadConfig();
  return serve({
    name: 'projector',
    title: 'MindFlow projector',
    ...config,
    mount: async (app, engines, logger, readiness) =>
      mountProjector(app, engines, logger, readiness, {
        secrets: config.secrets,
        cache: engines.redis === undefined ? undefined : createRedisCache(engines.redis.redis),
        audit: {
          store: await openAuditStore(
            { mongo: engines.mongo, readDb: engines.databases.read.db },
            config.audit.retention,
          ),
          sweepSeconds: config.audit.sweepSeconds,
        },
      }),
  });
});
