import { createRedisCache } from '@mindflow/core/cache';
import { createRedisHub } from '@mindflow/core/live';
import { serve } from '@mindflow/core/runtime';
import { runMain } from '@mindflow/core/program';
import { loadConfig } from './config.js';
import { mountProjector } from './mount.js';

// Runs the projector alone (relay and projections), against the configured engines.
runMain(async () => {
  const config = loadConfig();
  return serve({
    name: 'projector',
    title: 'MindFlow projector',
    ...config,
    mount: async (app, engines, logger, readiness, audit) =>
      mountProjector(app, engines, logger, readiness, {
        secrets: config.secrets,
        role: config.role,
        readyLag: config.readyLag,
        cache: engines.redis === undefined ? undefined : createRedisCache(engines.redis),
        audit: { store: audit, sweepSeconds: config.engines.audit.sweepSeconds },
        mail: config.mail,
        // Streams are served by query-service processes: only Redis reaches them.
        ...(engines.redis === undefined ? {} : { live: createRedisHub(engines.redis, logger) }),
      }),
  });
});
