import { claimedCaller, createAccessTokens } from '@mindflow/core/auth';
import { createNoCache, createRedisCache } from '@mindflow/core/cache';
import { openBlobStore } from '@mindflow/core/blobs';
import { localUrl } from '@mindflow/core/config';
import { serveWebApp } from '@mindflow/core/http';
import { createClusterHub, createMemoryHub, createRedisHub } from '@mindflow/core/live';
import { serve } from '@mindflow/core/runtime';
import { mountQueryService } from './service.js';
import { searchFor } from './search/adapter.js';
import { workerRole } from '@mindflow/core/cluster';
import type { loadConfig } from './config.js';

/** The query service's server, in this process (main.ts runs it in each worker). */
export function serveQueries(config: ReturnType<typeof loadConfig>) {
  // Who asked, for the request log only: access is checked, sessions included, by the routes.
  const tokens = createAccessTokens(config.jwtSecret, 0);
  return serve({
    name: 'query-service',
    title: 'MindFlow query service',
    ...config,
    // It cannot serve without the read model; without any other engine it serves less (/readyz says which).
    notReadyWithout: ['postgres:write', 'postgres:read'],
    callerOf: async (request) => (await claimedCaller(tokens, request))?.userId ?? null,
    mount: async (app, engines, logger, _readiness, audit) => {
      const redis = engines.redis;
      // Updates come from the projector's process: only Redis brings them here. Without it,
      // streams open and replay what was missed on a reconnect, but nothing arrives live.
      const live =
        redis !== undefined
          ? createRedisHub(redis, logger)
          : workerRole() === undefined
            ? createMemoryHub()
            : createClusterHub();
      await mountQueryService(app, {
        // Without S3, the folder under MINDFLOW_DATA_DIR, its links served here.
        blobs: await openBlobStore(app, engines.s3, {
          dataDir: config.dataDir,
          jwtSecret: config.jwtSecret,
          baseUrl: () => localUrl(config.server),
        }),
        db: engines.databases.read.db,
        events: engines.databases.write.db,
        analytics: engines.databases.analytics.db,
        audit,
        auditBreaker: engines.mongo?.breaker,
        // Without Redis, no cache: the projector runs in another process and could not say what went stale.
        cache: redis === undefined ? createNoCache() : createRedisCache(redis),
        search: searchFor(engines, logger),
        redis,
        // Only verified here; the access-token life is the command-service's to set.
        tokens,
        reads: config.reads,
        logger,
        live,
      });
      if (redis === undefined) logger.warn('no REDIS_URL: GET /v1/stream sends no live updates (replays only)');
      // The web client at /, as the platform serves it.
      await serveWebApp(app);
      // Once the server has closed its streams: in Redis, this process's ones stop counting at once.
      return () => live.shutdown();
    },
  });
}
