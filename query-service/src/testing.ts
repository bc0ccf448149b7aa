import type { Client } from '@elastic/elasticsearch';
import type { BlobStore } from '@mindflow/core/blobs';
import type { AuditStore } from '@mindflow/core/audit';
import { testSecrets } from '@mindflow/command-service/testing';
import { createAccessTokens } from '@mindflow/core/auth';
import { createRedisCache, type Cache } from '@mindflow/core/cache';
import type { Role } from '@mindflow/core/domain';
import type { ElasticsearchConfig, MongoConfig, ReadsConfig, RedisConfig, Secrets } from '@mindflow/core/config';
import { createRedisHub, type LiveHub } from '@mindflow/core/live';
import { createLogger } from '@mindflow/core/logging';
import type { HostedProjection } from '@mindflow/core/projections';
import { connectPostgres } from '@mindflow/core/postgres';
import { connectRedis } from '@mindflow/core/redis';
import type { HttpServer } from '@mindflow/core/http';
import type { Redis } from 'ioredis';
import type { LightMyRequestResponse } from 'fastify';
import { searchIndexForTest, testEngines, waitFor } from '@mindflow/core/testing';
import { createElasticsearchSearch, createPostgresSearch } from '@mindflow/core/search';
import { projectorForTest, signedInWriters, type ProjectorUnderTest } from '@mindflow/projector/testing';
import { mountQueryService } from './service.js';

export const testReads: ReadsConfig = {
  waitMs: 2_000,
  rateLimits: { windowSeconds: 60, perIp: 100_000, perUser: 100_000, perStaff: 100_000 },
  live: { streamsPerUser: 5, heartbeatMs: 15_000 },
};

export interface QueryServiceUnderTest {
  readonly app: HttpServer;
  /** The test Redis (the projector's cache, and the read routes' unless the test gave its own). */
  readonly redis: Redis;
  /** The cache the projector invalidates, in the test Redis. */
  readonly cache: Cache;
  /** The write database, for tests that hold it up. */
  readonly writeUrl: string;
  /** The Elasticsearch index behind search, when the test asked for it. */
  readonly elasticsearch: { readonly client: Client; readonly alias: string } | undefined;
  /** With Kafka: the connection, topic and consumer-group prefix other consumers should use. */
  readonly bus: ProjectorUnderTest['bus'];
  /** Where the command routes store attachments (a folder of the test's own). */
  readonly blobs: BlobStore;
  /** The read database the projector writes (for tests that rebuild it). */
  readonly readUrl: string;
  /** The analytics database the projector writes and analysts read. */
  readonly analyticsUrl: string;
  /** Makes what the projector has applied visible to search (Elasticsearch refreshes every second). */
  settle(position: number): Promise<void>;
  /** The audit store the projector writes and the compliance routes read. */
  readonly audit: AuditStore;
  /** The secrets the platform runs with: its master key opens the events' sealed fields. */
  readonly secrets: Secrets;
  /** The projections the projector hosts (to replay an event into one). */
  projections(): readonly HostedProjection[];
  /** Stops every projection (for tests of reads that wait for them); `close` then skips it. */
  stopProjector(): Promise<void>;
  /** A signed-in member of staff: a new user holding `roles`, as an admin's grants would leave them. */
  staff(roles: readonly Role[]): Promise<{ readonly id: string; readonly token: string }>;
  close(): Promise<void>;
}

function requireAudit(store: AuditStore | undefined): AuditStore {
  if (store === undefined) throw new Error('the test platform has no audit store');
  return store;
}

export interface QueryServiceTestOptions {
  readonly reads?: Partial<ReadsConfig>;
  /** Rate-limit counters of the test's own (other suites read from 127.0.0.1 too). */
  readonly rateLimitPrefix?: string;
  /** Search on PostgreSQL (default) or on an Elasticsearch alias of the test's own. */
  readonly search?: 'postgres' | 'elasticsearch';
  /** Another way to the Elasticsearch server (e.g. through a proxy), with its own timeout. */
  readonly elasticsearch?: ElasticsearchConfig;
  /** The audit store: on the read database (default) or in a MongoDB database of the test's own. */
  readonly audit?: 'postgres' | 'mongodb';
  /** Another way to the MongoDB server (e.g. through a proxy), with its own timeout. */
  readonly mongo?: MongoConfig;
  /** The bus: Kafka (a topic of the test's own) instead of the embedded one. */
  readonly kafka?: boolean;
  /**
   * The Redis the read routes use (cache and rate limits), e.g. one that is down; the projector
   * keeps the test Redis. Default: the test Redis.
   */
  readonly readsRedis?: RedisConfig;
  /** The read routes' clock (what "today" is for goals). */
  readonly now?: () => Date;
  /**
   * The hub GET /v1/stream uses, made from the test Redis's (e.g. one whose calls a test holds
   * up at a chosen moment); the projector publishes to the test Redis's. Default: that one.
   */
  readonly streamsHub?: (hub: LiveHub) => LiveHub;
}

/**
 * The platform on one server, as `npm start` runs it but on the test engines: the command
 * routes on a fresh write database, the projector (embedded bus) on a fresh read database, and
 * the read routes, with the cache and rate limits in Redis.
 */
export async function queryServiceForTest(options: QueryServiceTestOptions = {}): Promise<QueryServiceUnderTest> {
  const logger = createLogger({ level: 'silent', pretty: false }, 'test');
  const redis = connectRedis(testEngines().redis, logger);
  const cache = createRedisCache(redis);
  const readsRedis = options.readsRedis === undefined ? redis : connectRedis(options.readsRedis, logger);
  // Live updates through the test Redis, as between separate processes.
  const live = createRedisHub(redis, logger);
  const index = options.search === 'elasticsearch' ? searchIndexForTest(options.elasticsearch) : undefined;
  const platform = await projectorForTest({
    kafka: options.kafka ?? false,
    logger,
    cache,
    audit: options.audit ?? 'postgres',
    ...(options.mongo === undefined ? {} : { auditMongo: options.mongo }),
    // The command routes' sessions share Redis with the reads', as separate processes would:
    // sessions revoked by one are marked there for the other.
    sessionRedis: redis,
    live,
    ...(index === undefined ? {} : { search: { client: index.client, alias: index.alias } }),
  });
  const { app } = platform.commands;
  let projectorStopped = false;
  // The query-service's own pool, as in production.
  const readSide = connectPostgres('read', platform.read.url, 5);
  const writeSide = connectPostgres('write', platform.commands.url, 5);
  const analyticsSide = connectPostgres('analytics', platform.analytics.url, 5);
  await mountQueryService(app, {
    blobs: platform.commands.blobs,
    db: readSide.db,
    events: writeSide.db,
    analytics: analyticsSide.db,
    audit: requireAudit(platform.audit),
    auditBreaker: platform.auditBreaker,
    search:
      index === undefined
        ? createPostgresSearch(readSide.db)
        : createElasticsearchSearch(index.connection, index.alias),
    cache: readsRedis === redis ? cache : createRedisCache(readsRedis),
    redis: readsRedis,
    tokens: createAccessTokens(testSecrets.jwtSecret, 900),
    reads: { ...testReads, ...options.reads },
    logger,
    live: options.streamsHub?.(live) ?? live,
    ...(options.rateLimitPrefix === undefined ? {} : { rateLimitPrefix: options.rateLimitPrefix }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    app,
    redis: redis.redis,
    cache,
    writeUrl: platform.commands.url,
    readUrl: platform.read.url,
    bus: platform.bus,
    elasticsearch: index === undefined ? undefined : { client: index.client, alias: index.alias },
    blobs: platform.commands.blobs,
    analyticsUrl: platform.analytics.url,
    audit: requireAudit(platform.audit),
    secrets: testSecrets,
    settle: async (position) => {
      if (index === undefined) return;
      const indexing = platform.projector.projections.find((projection) => projection.name === 'search');
      await waitFor(
        async () => ((indexing?.lastPosition() ?? 0) >= position ? true : undefined),
        10_000,
        'search index',
      );
      await index.client.indices.refresh({ index: index.alias });
    },
    staff: async (roles) => {
      const [member] = await signedInWriters(app, 1);
      if (member === undefined) throw new Error('no staff member signed in');
      await platform.commands.db
        .updateTable('users')
        .set({ roles: [...roles] })
        .where('id', '=', member.id)
        .execute();
      return { id: member.id, token: member.token };
    },
    projections: () => platform.projector.projections,
    stopProjector: async () => {
      if (projectorStopped) return;
      projectorStopped = true;
      await platform.projector.stop();
    },
    close: async () => {
      await readSide.close();
      await writeSide.close();
      await analyticsSide.close();
      await index?.close();
      await platform.close();
      await live.shutdown();
      await redis.close();
      if (readsRedis !== redis) await readsRedis.close();
    },
  };
}

/** A signed-in writer and how they talk to the platform. */
export interface TestWriter {
  readonly id: string;
  readonly token: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A command, answered as it is (whatever its status), with If-Match when `ifMatch` is given. */
  send(
    method: 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    body?: object,
    ifMatch?: number,
  ): Promise<LightMyRequestResponse>;
  /** POST /v1/entries; the command's answer. */
  write(entry: Record<string, unknown>): Promise<{ id: string; version: number; position: number }>;
  command(
    method: 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ id: string; version: number; position: number }>;
}

/** Registers and signs in `count` writers (UTC unless a time zone is given), with helpers to talk as them. */
export async function testWriters(app: HttpServer, count: number, timezone = 'UTC'): Promise<TestWriter[]> {
  return (await signedInWriters(app, count, timezone)).map(({ id, token }) => {
    const authorization = `Bearer ${token}`;
    const command: TestWriter['command'] = async (method, url, payload, headers = {}) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization, ...headers },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };
    return {
      id,
      token,
      get: (url, headers = {}) => app.inject({ method: 'GET', url, headers: { authorization, ...headers } }),
      send: (method, url, body, ifMatch) =>
        app.inject({
          method,
          url,
          headers: { authorization, ...(ifMatch === undefined ? {} : { 'if-match': `"${String(ifMatch)}"` }) },
          ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
        }),
      write: (entry) => command('POST', '/v1/entries', { title: 'A day', content: 'some words here', ...entry }),
      command,
    };
  });
}
