import { createRedisCache } from '@mindflow/core/cache';
import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';
import { projectorDatabases } from './database.js';
import { startProjector } from './service.js';

// Runs the projector alone (relay and projections), against the configured engines.
runMain(async () => {
  const config = loadConfig();
  return serve({
    name: 'projector',
    title: 'MindFlow projector',
    ...config,
    mount: async (app, engines, logger, readiness) => {
      const projector = await startProjector({
        ...projectorDatabases(engines.databases.write.db, engines.databases.read.db),
        writeUrl: engines.databases.urls.write,
        kafka: engines.kafka?.kafka,
        ...(config.engines.kafka === undefined
          ? {}
          : { topic: config.engines.kafka.topic, groupPrefix: config.engines.kafka.groupPrefix }),
        secrets: config.secrets,
        logger,
        registry: app.metrics,
        ...(engines.redis === undefined ? {} : { cache: createRedisCache(engines.redis.redis) }),
      });
      readiness.push(...projector.readiness);
      return () => projector.stop();
    },
  });
});
