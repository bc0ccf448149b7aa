import { randomBytes } from 'node:crypto';
import { securityConfig, type RateLimitConfig, type SecurityConfig } from '@mindflow/core/config';
import { createHttpServer, type HttpServer } from '@mindflow/core/http';
import { createLogger } from '@mindflow/core/logging';
import { createTestDatabase } from '@mindflow/core/testing';
import type { WriteTables } from './database.js';
import { mountCommandService } from './service.js';

export const testSecrets = { masterKey: randomBytes(32), jwtSecret: randomBytes(32).toString('base64url') };

/** The command service on a fresh, migrated write database of the test server. */
export async function commandServiceForTest(
  security: Partial<SecurityConfig> = {},
  // Tests and benchmarks send thousands of requests from one address.
  rateLimits: RateLimitConfig = { windowSeconds: 60, perIp: 1_000_000, perUser: 1_000_000, perStaff: 1_000_000 },
) {
  const store = await createTestDatabase<WriteTables>('write');
  const logger = createLogger({ level: 'silent', pretty: false }, 'test');
  const app: HttpServer = await createHttpServer({ logger, title: 'test', version: '0', readiness: [] });
  await mountCommandService(app, {
    db: store.db,
    redis: undefined,
    secrets: testSecrets,
    security: { ...securityConfig({ ACCESS_TOKEN_TTL_SECONDS: 900, REFRESH_TOKEN_TTL_DAYS: 30 }), ...security },
    rateLimits,
    logger,
  });
  return { app, db: store.db, url: store.url, close: async () => Promise.all([app.close(), store.drop()]) };
}
