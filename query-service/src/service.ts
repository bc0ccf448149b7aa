import type { BlobStore } from '@mindflow/core/blobs';
import fastifyEtag from '@fastify/etag';
import { createRequestAuth, createSessionStore, type AccessTokens, type SessionStore } from '@mindflow/core/auth';
import type { Cache } from '@mindflow/core/cache';
import type { LiveHub } from '@mindflow/core/live';
import { liveRoutes } from './live/routes.js';
import { notificationReadRoutes } from './notifications/routes.js';
import { achievementRoutes } from './achievements/routes.js';
import { goalReadRoutes } from './goals/routes.js';
import { templateReadRoutes } from './templates/routes.js';
import { promptReadRoutes } from './prompts/routes.js';
import type { ReadsConfig } from '@mindflow/core/config';
import { installRateLimits, type HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import type { Breaker } from '@mindflow/core/breaker';
import type { RedisConnection } from '@mindflow/core/redis';
import type { Kysely } from 'kysely';
import { Counter, Histogram } from 'prom-client';
import { analyticsDatabase, eventStoreDatabase, readDatabase } from './database.js';
import { analyticsRoutes } from './analytics/routes.js';
import { auditRoutes } from './audit/routes.js';
import { guardedAuditStore, type AuditStore } from '@mindflow/core/audit';
import { entryReadRoutes } from './entries/routes.js';
import { analysisRoutes } from './entries/analysis.js';
import { attachmentReadRoutes } from './entries/attachments.js';
import { exportReadRoutes } from './me/exports.js';
import { insightRoutes } from './insights/routes.js';
import { answerBodies } from './http/answer-bodies.js';
import { earlyReads } from './http/early-reads.js';
import { answerHash, type ReadDeps } from './http/reader.js';
import { profileRoutes } from './me/routes.js';
import { viewRoutes } from './views/routes.js';
import { searchRoutes } from './search/routes.js';
import type { SearchPort } from '@mindflow/core/search';
import { writeDatabase } from '@mindflow/core/write-model';

export interface QueryServiceOptions {
  /** The read database. */
  readonly db: Kysely<unknown>;
  /** The analytics database: analysts read its `analyst` views. */
  readonly analytics: Kysely<unknown>;
  /** The write database: read-your-writes asks its event store where a user's events stand. */
  readonly events: Kysely<unknown>;
  readonly cache: Cache;
  /** Elasticsearch when configured, else PostgreSQL full-text search on the read database. */
  readonly search: SearchPort;
  /** The audit trail: compliance reads it, and analytics and compliance queries are recorded in it. */
  readonly audit: AuditStore;
  /** MongoDB's breaker when the audit store is there: its reads then fail fast while it is down. */
  readonly auditBreaker: Breaker | undefined;
  /** Where attachments are: downloads are signed links to it. */
  readonly blobs: BlobStore;
  /** Rate-limit counters; in-process without it, and while it is away. */
  readonly redis: RedisConnection | undefined;
  readonly tokens: AccessTokens;
  readonly reads: ReadsConfig;
  readonly logger: Logger;
  /** Where the rate-limit counters live in Redis (default `ratelimit:`). */
  readonly rateLimitPrefix?: string;
  /** Sessions, when the process shares them with the command routes; else one on `events` and `redis`. */
  readonly sessions?: SessionStore;
  /** Where writers' live updates come from (GET /v1/stream): the projector publishes to the same hub. */
  readonly live: LiveHub;
  /** The clock (tests set it); default the system's. */
  readonly now?: () => Date;
}

/**
 * Registers the read routes on `app`, in their own scope: rate limits per IP and per caller,
 * an ETag on every answer (304 on If-None-Match), and the cache in front of the read model.
 */
export async function mountQueryService(app: HttpServer, options: QueryServiceOptions): Promise<void> {
  const sessions = options.sessions ?? ownSessions(app, options);
  const deps: ReadDeps = {
    db: readDatabase(options.db),
    events: eventStoreDatabase(options.events),
    cache: options.cache,
    early: earlyReads(options.cache),
    bodies: answerBodies(32 * 1024 * 1024),
    auth: createRequestAuth(options.tokens, sessions),
    waitMs: options.reads.waitMs,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    cacheLookups: new Counter({
      name: 'mindflow_query_cache_lookups_total',
      help: 'Cached answers looked up, by cache, result (hit, miss) and read (early: beside the rate-limit counters; late)',
      labelNames: ['cache', 'result', 'read'] as const,
      registers: [app.metrics],
    }),
    readWaits: new Histogram({
      name: 'mindflow_read_wait_seconds',
      help: 'Time reads waited for X-Min-Position, by outcome (reached, timeout)',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [app.metrics],
    }),
  };
  const audit = guardedAuditStore(options.audit, options.auditBreaker);
  await app.register(async (scope) => {
    installRateLimits(scope, {
      limits: options.reads.rateLimits,
      auth: deps.auth,
      redis: options.redis,
      prefix: options.rateLimitPrefix ?? 'ratelimit:',
      alongside: deps.early.start,
    });
    // The ETags of cached answers are made once, when cached, the same way (answerHash).
    await scope.register(fastifyEtag, { hashFn: answerHash });
    entryReadRoutes(scope, deps);
    analysisRoutes(scope, deps);
    attachmentReadRoutes(scope, { ...deps, blobs: options.blobs });
    exportReadRoutes(scope, { ...deps, blobs: options.blobs });
    insightRoutes(scope, deps);
    notificationReadRoutes(scope, deps);
    achievementRoutes(scope, deps);
    goalReadRoutes(scope, deps);
    templateReadRoutes(scope, deps);
    promptReadRoutes(scope, deps);
    profileRoutes(scope, deps);
    viewRoutes(scope, deps);
    searchRoutes(scope, { ...deps, search: options.search });
    analyticsRoutes(scope, {
      analytics: analyticsDatabase(options.analytics),
      audit,
      auth: deps.auth,
      logger: options.logger,
    });
    auditRoutes(scope, { audit, auth: deps.auth, logger: options.logger });
    liveRoutes(scope, {
      auth: deps.auth,
      hub: options.live,
      events: deps.events,
      logger: options.logger,
      metrics: app.metrics,
      ...options.reads.live,
    });
  });
}

/** The session store of a query service alone in its process (the write database is the truth), closed with the app. */
function ownSessions(app: HttpServer, options: QueryServiceOptions): SessionStore {
  const sessions = createSessionStore(writeDatabase(options.events), { redis: options.redis, logger: options.logger });
  app.addHook('onClose', async () => sessions.close());
  return sessions;
}
