import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalBlobStore, localBlobRoutes, type BlobStore } from '@mindflow/core/blobs';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSessionStore } from '@mindflow/core/auth';
import { securityConfig, type RateLimitConfig, type RedisConfig, type SecurityConfig } from '@mindflow/core/config';
import { createHttpServer, type HttpServer } from '@mindflow/core/http';
import { createLogger } from '@mindflow/core/logging';
import { connectRedis, type RedisConnection } from '@mindflow/core/redis';
import { createTestDatabase } from '@mindflow/core/testing';
import type { WriteTables } from '@mindflow/core/write-model';
import { mountCommandService } from './service.js';
import type { UploadSettings } from './attachments/settings.js';
import type { ImportLimits } from './imports/read.js';

export const testSecrets = { masterKey: randomBytes(32), jwtSecret: randomBytes(32).toString('base64url') };

/** The command service on a fresh, migrated write database of the test server. */
export async function commandServiceForTest(
  security: Partial<SecurityConfig> = {},
  // Tests and benchmarks send thousands of requests from one address.
  rateLimits: RateLimitConfig = { windowSeconds: 60, perIp: 1_000_000, perUser: 1_000_000, perStaff: 1_000_000 },
  options: {
    readonly blobs?: BlobStore;
    /** Rate limits and the login throttle in this Redis (e.g. one that is down); default: in process. */
    readonly redis?: RedisConfig;
    readonly uploads?: Partial<UploadSettings>;
    readonly imports?: Partial<ImportLimits>;
    /** Redis for the sessions only (throttles and limits stay in-process), shared with other routes as in production. */
    readonly sessionRedis?: RedisConnection;
  } = {},
) {
  const store = await createTestDatabase<WriteTables>('write');
  const logger = createLogger({ level: 'silent', pretty: false }, 'test');
  const app: HttpServer = await createHttpServer({ logger, title: 'test', version: '0', readiness: [] });
  const blobRoot = await mkdtemp(path.join(tmpdir(), 'mindflow-test-blobs-'));
  // By default a folder of the test's own, its links served by the same app (inject their path).
  let blobs = options.blobs;
  if (blobs === undefined) {
    const local = createLocalBlobStore({ root: blobRoot, secret: 'test', baseUrl: () => 'http://127.0.0.1' });
    await localBlobRoutes(app, local);
    blobs = local;
  }
  const redis = options.redis === undefined ? undefined : connectRedis(options.redis, logger);
  await mountCommandService(app, {
    blobs,
    db: store.db,
    redis,
    ...(options.sessionRedis === undefined
      ? {}
      : { sessions: createSessionStore(store.db, { redis: options.sessionRedis, logger }) }),
    secrets: testSecrets,
    security: { ...securityConfig({ ACCESS_TOKEN_TTL_SECONDS: 900, REFRESH_TOKEN_TTL_DAYS: 30 }), ...security },
    rateLimits,
    logger,
    ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
    ...(options.imports === undefined ? {} : { imports: options.imports }),
  });
  return {
    app,
    db: store.db,
    url: store.url,
    blobs,
    close: async () =>
      Promise.all([app.close(), store.drop(), rm(blobRoot, { recursive: true, force: true }), redis?.close()]),
  };
}

/** Registers and signs in a fresh user on the command service: their id and access token. */
export async function testUser(app: HttpServer): Promise<{ id: string; token: string }> {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'A', consent },
  });
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  const body = login.json<{ accessToken: string; user: { id: string } }>();
  return { id: body.user.id, token: body.accessToken };
}
