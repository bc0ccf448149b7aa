import { mountAiWorker } from '@mindflow/ai-worker';
import { mountCommandService } from '@mindflow/command-service';
import { mountProjector } from '@mindflow/projector';
import { mountQueryService, searchFor } from '@mindflow/query-service';
import { createAccessTokens, createRequestAuth } from '@mindflow/core/auth';
import { openBlobStore } from '@mindflow/core/blobs';
import { localUrl } from '@mindflow/core/config';
import { createMemoryCache, createRedisCache } from '@mindflow/core/cache';
import type { HttpServer } from '@mindflow/core/http';
import { loadOrCreateSecrets, serve } from '@mindflow/core/runtime';
import type { PlatformConfig } from './config.js';
import { migrateDatabases } from './migrate.js';
import { writeDatabase } from '@mindflow/core/write-model';

/**
 * The whole platform in one process on one port: engines (embedded where not configured),
 * migrations, and every service's routes and workers.
 */
export async function startPlatform(config: PlatformConfig): Promise<HttpServer> {
  const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
  const auth = createRequestAuth(createAccessTokens(secrets.jwtSecret, 0));
  return serve({
    name: 'mindflow',
    title: 'MindFlow',
    ...config,
    // It cannot serve without the read model; without any other engine it serves less (/readyz says which).
    notReadyWithout: ['postgres:write', 'postgres:read'],
    callerOf: async (request) => (await auth.callerOf(request))?.userId ?? null,
    mount: async (app, engines, logger, readiness, auditStore) => {
      await migrateDatabases(engines.databases, logger);
      const blobs = await openBlobStore(app, engines.s3, {
        dataDir: config.engines.dataDir,
        jwtSecret: secrets.jwtSecret,
        baseUrl: () => localUrl(config.server),
      });
      await mountCommandService(app, {
        blobs,
        db: writeDatabase(engines.databases.write.db),
        redis: engines.redis,
        secrets,
        security: config.security,
        rateLimits: config.reads.rateLimits,
        logger,
      });
      const redis = engines.redis;
      // One cache for the projector's invalidations and the reads they keep honest.
      const cache = redis === undefined ? createMemoryCache() : createRedisCache(redis);
      await mountQueryService(app, {
        blobs,
        db: engines.databases.read.db,
        events: engines.databases.write.db,
        analytics: engines.databases.analytics.db,
        audit: auditStore,
        auditBreaker: engines.mongo?.breaker,
        cache,
        search: searchFor(engines, logger),
        redis,
        tokens: createAccessTokens(secrets.jwtSecret, config.security.accessTokenTtlSeconds),
        reads: config.reads,
        logger,
      });
      const stopProjector = await mountProjector(app, engines, logger, readiness, {
        secrets,
        cache,
        audit: { store: auditStore, sweepSeconds: config.engines.audit.sweepSeconds },
        readyLag: config.readyLag,
      });
      const stopAiWorker = await mountAiWorker(app, engines, logger, readiness, {
        secrets,
        cache,
        audit: auditStore,
        ai: config.ai,
        blobs,
        readyLag: config.readyLag,
      });
      return async () => {
        await stopAiWorker();
        await stopProjector();
      };
    },
  });
}
