import { mountAiWorker } from '@mindflow/ai-worker';
import { mountCommandService } from '@mindflow/command-service';
import { mountProjector } from '@mindflow/projector';
import { mountQueryService, searchFor } from '@mindflow/query-service';
import { claimedCaller, createAccessTokens, createSessionStore } from '@mindflow/core/auth';
import { openBlobStore } from '@mindflow/core/blobs';
import { localUrl } from '@mindflow/core/config';
import { createMemoryCache, createNoCache, createRedisCache } from '@mindflow/core/cache';
import { createClusterHub, createMemoryHub, createRedisHub } from '@mindflow/core/live';
import { serveWebApp, type HttpServer } from '@mindflow/core/http';
import { serve } from '@mindflow/core/runtime';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import { workerRole } from '@mindflow/core/cluster';
import type { PlatformConfig } from './config.js';
import { migrateDatabases } from './migrate.js';
import { writeDatabase } from '@mindflow/core/write-model';

/**
 * The whole platform in one process on one port: engines (embedded where not configured),
 * migrations, and every service's routes and workers.
 */
export async function startPlatform(config: PlatformConfig): Promise<HttpServer> {
  // In a cluster, the leader alone runs projections and the ai-worker (runClustered).
  const role = workerRole();
  const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
  const tokens = createAccessTokens(secrets.jwtSecret, config.security.accessTokenTtlSeconds);
  return serve({
    name: 'mindflow',
    title: 'MindFlow',
    ...config,
    // It cannot serve without the read model; without any other engine it serves less (/readyz says which).
    notReadyWithout: ['postgres:write', 'postgres:read'],
    // Who asked, for the request log only: the routes check access, sessions included.
    callerOf: async (request) => (await claimedCaller(tokens, request))?.userId ?? null,
    mount: async (app, engines, logger, readiness, auditStore) => {
      await migrateDatabases(engines.databases, logger);
      const blobs = await openBlobStore(app, engines.s3, {
        dataDir: config.engines.dataDir,
        jwtSecret: secrets.jwtSecret,
        baseUrl: () => localUrl(config.server),
      });
      const redis = engines.redis;
      // One session store for the command and read routes: a revocation by one is seen by the other at once.
      const sessions = createSessionStore(writeDatabase(engines.databases.write.db), { redis, logger });
      app.addHook('onClose', async () => sessions.close());
      await mountCommandService(app, {
        blobs,
        sessions,
        db: writeDatabase(engines.databases.write.db),
        redis,
        secrets,
        security: config.security,
        rateLimits: config.reads.rateLimits,
        logger,
      });
      // One cache for the projector's invalidations and the reads they keep honest. In a cluster
      // without Redis, none: the projector in the leader could not tell the others what went stale.
      const cache =
        redis !== undefined ? createRedisCache(redis) : role === undefined ? createMemoryCache() : createNoCache();
      // One hub for the live projection and the streams it reaches, in every worker of a cluster
      // (through its primary) and on several machines (Redis).
      const live =
        redis !== undefined
          ? createRedisHub(redis, logger)
          : role === undefined
            ? createMemoryHub()
            : createClusterHub();
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
        tokens,
        sessions,
        reads: config.reads,
        logger,
        live,
      });
      // The web client at / (its pages fall back to index.html; the API stays under /v1).
      await serveWebApp(app);
      if (role === 'follower')
        return async () => {
          await live.shutdown();
        };
      const stopProjector = await mountProjector(app, engines, logger, readiness, {
        secrets,
        cache,
        live,
        audit: { store: auditStore, sweepSeconds: config.engines.audit.sweepSeconds },
        mail: { ...config.mail, linkBaseUrl: config.mail.linkBaseUrl ?? localUrl(config.server) },
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
        await live.shutdown();
      };
    },
  });
}
