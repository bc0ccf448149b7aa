// The query-service as bench/queries measures it: the read routes over one database that plays
// the read model, the event store and the analytics database, with the cache given.
import { tmpdir } from 'node:os';
import { defaultRetention, openPostgresAuditStore, type AuditTables } from '@mindflow/core/audit';
import type { AccessTokens } from '@mindflow/core/auth';
import { createLocalBlobStore } from '@mindflow/core/blobs';
import type { Cache } from '@mindflow/core/cache';
import { createHttpServer } from '@mindflow/core/http';
import { createMemoryHub } from '@mindflow/core/live';
import type { Logger } from '@mindflow/core/logging';
import type { RedisConnection } from '@mindflow/core/redis';
import { createPostgresSearch } from '@mindflow/core/search';
import { mountQueryService } from '@mindflow/query-service';
import type { Kysely } from 'kysely';

export const benchSecret = 'bench-secret-bench-secret-bench-secret';

export async function readServer(options: {
  db: Kysely<unknown>;
  cache: Cache;
  redis: RedisConnection;
  tokens: AccessTokens;
  logger: Logger;
}) {
  const { db, cache, redis, tokens, logger } = options;
  const app = await createHttpServer({ logger, title: 'bench', version: '0', readiness: [] });
  // The bench sends no X-Min-Position and asks no analyst or compliance route: the event store,
  // the analytics database and the audit store are never asked.
  await mountQueryService(app, {
    blobs: createLocalBlobStore({ root: tmpdir(), secret: 'bench', baseUrl: () => 'http://127.0.0.1' }),
    db,
    events: db,
    analytics: db,
    audit: openPostgresAuditStore(db as unknown as Kysely<AuditTables>, { retention: defaultRetention }),
    cache,
    search: createPostgresSearch(db),
    auditBreaker: undefined,
    redis,
    tokens,
    reads: {
      waitMs: 2_000,
      rateLimits: { windowSeconds: 60, perIp: 100_000_000, perUser: 100_000_000, perStaff: 100_000_000 },
      live: { streamsPerUser: 5, heartbeatMs: 15_000 },
    },
    logger,
    live: createMemoryHub(),
  });
  return app;
}
