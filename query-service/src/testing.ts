import { randomUUID } from 'node:crypto';
import { testSecrets } from '@mindflow/command-service/testing';
import { createAccessTokens } from '@mindflow/core/auth';
import { createRedisCache } from '@mindflow/core/cache';
import type { ReadsConfig } from '@mindflow/core/config';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { connectRedis } from '@mindflow/core/redis';
import type { HttpServer } from '@mindflow/core/http';
import type { Redis } from 'ioredis';
import type { LightMyRequestResponse } from 'fastify';
import { testEngines, uniqueName, waitFor } from '@mindflow/core/testing';
import { connectElasticsearch } from '@mindflow/core/elasticsearch';
import { createElasticsearchSearch, createPostgresSearch } from '@mindflow/core/search';
import { projectorForTest } from '@mindflow/projector/testing';
import { mountQueryService } from './service.js';

export const testReads: ReadsConfig = {
  waitMs: 2_000,
  rateLimits: { windowSeconds: 60, perIp: 100_000, perUser: 100_000, perStaff: 100_000 },
};

/**
 * The platform on one server, as `npm start` runs it but on the test engines: the command
 * routes on a fresh write database, the projector (embedded bus) on a fresh read database, and
 * the read routes, with the cache and rate limits in Redis.
 */
export interface QueryServiceUnderTest {
  readonly app: HttpServer;
  readonly redis: Redis;
  /** The write database, for tests that hold it up. */
  readonly writeUrl: string;
  /** Makes what the projector has applied visible to search (Elasticsearch refreshes every second). */
  settle(position: number): Promise<void>;
  close(): Promise<void>;
}

export async function queryServiceForTest(
  reads: Partial<ReadsConfig> = {},
  rateLimitPrefix?: string,
  searchEngine: 'postgres' | 'elasticsearch' = 'postgres',
): Promise<QueryServiceUnderTest> {
  const logger = createLogger({ level: 'silent', pretty: false }, 'test');
  const redis = connectRedis(testEngines().redis);
  const cache = createRedisCache(redis.redis);
  // Elasticsearch: an alias (and so indices and a template) of this test's own.
  const elasticsearch =
    searchEngine === 'elasticsearch' ? connectElasticsearch(testEngines().elasticsearch) : undefined;
  const alias = uniqueName('journal_entries')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const platform = await projectorForTest({
    kafka: false,
    logger,
    cache,
    ...(elasticsearch === undefined ? {} : { search: { client: elasticsearch.client, alias } }),
  });
  const { app } = platform.commands;
  // The query-service's own pool, as in production.
  const readSide = connectPostgres('read', platform.read.url, 5);
  const writeSide = connectPostgres('write', platform.commands.url, 5);
  await mountQueryService(app, {
    db: readSide.db,
    events: writeSide.db,
    search:
      elasticsearch === undefined
        ? createPostgresSearch(readSide.db)
        : createElasticsearchSearch(elasticsearch.client, alias),
    cache,
    redis: redis.redis,
    tokens: createAccessTokens(testSecrets.jwtSecret, 900),
    reads: { ...testReads, ...reads },
    logger,
    ...(rateLimitPrefix === undefined ? {} : { rateLimitPrefix }),
  });
  return {
    app,
    redis: redis.redis,
    writeUrl: platform.commands.url,
    settle: async (position) => {
      if (elasticsearch === undefined) return;
      const indexing = platform.projector.projections.find((projection) => projection.name === 'search');
      await waitFor(
        async () => ((indexing?.lastPosition() ?? 0) >= position ? true : undefined),
        10_000,
        'search index',
      );
      await elasticsearch.client.indices.refresh({ index: alias });
    },
    close: async () => {
      await readSide.close();
      await writeSide.close();
      if (elasticsearch !== undefined) {
        await elasticsearch.client.indices.delete({ index: `${alias}_v*` }, { ignore: [404] });
        await elasticsearch.client.indices.deleteIndexTemplate({ name: `${alias}_template` }, { ignore: [404] });
        await elasticsearch.close();
      }
      await platform.close();
      await redis.close();
    },
  };
}

/** A signed-in writer and how they talk to the platform. */
export interface TestWriter {
  readonly id: string;
  readonly token: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST /v1/entries; the command's answer. */
  write(entry: Record<string, unknown>): Promise<{ id: string; version: number; position: number }>;
  command(
    method: 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ id: string; version: number; position: number }>;
}

/** Registers and signs in `count` writers (UTC unless a time zone is given). */
export async function testWriters(app: HttpServer, count: number, timezone = 'UTC'): Promise<TestWriter[]> {
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const writers: TestWriter[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${randomUUID()}@example.com`;
    const registered = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password, displayName: `Writer ${i}`, timezone, consent },
    });
    if (registered.statusCode !== 201) throw new Error(`register: ${registered.body}`);
    const session = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).json<{
      accessToken: string;
      user: { id: string };
    }>();
    const authorization = `Bearer ${session.accessToken}`;
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
    writers.push({
      id: session.user.id,
      token: session.accessToken,
      get: (url, headers = {}) => app.inject({ method: 'GET', url, headers: { authorization, ...headers } }),
      write: (entry) => command('POST', '/v1/entries', { title: 'A day', content: 'some words here', ...entry }),
      command,
    });
  }
  return writers;
}
