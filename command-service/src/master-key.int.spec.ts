import { randomBytes } from 'node:crypto';
import { securityConfig } from '@mindflow/core/config';
import { masterKeyId, MasterKeyMismatch } from '@mindflow/core/crypto';
import { createHttpServer } from '@mindflow/core/http';
import { createLogger } from '@mindflow/core/logging';
import t from 'tap';
import { mountCommandService } from './service.js';
import { commandServiceForTest, testSecrets, testUser } from './testing.js';

// A first command service has recorded its master key in the write database.
const first = await commandServiceForTest();
t.teardown(first.close);
const logger = createLogger({ level: 'silent', pretty: false }, 'test');

/** Another command service on the same write database, holding `masterKey`. */
async function secondStart(masterKey: Buffer) {
  const app = await createHttpServer({ logger, title: 'second', version: '0', readiness: [] });
  t.teardown(() => app.close());
  await mountCommandService(app, {
    blobs: first.blobs,
    db: first.db,
    redis: undefined,
    secrets: { ...testSecrets, masterKey },
    security: securityConfig({ ACCESS_TOKEN_TTL_SECONDS: 900, REFRESH_TOKEN_TTL_DAYS: 30 }),
    rateLimits: { windowSeconds: 60, perIp: 1_000, perUser: 1_000, perStaff: 1_000 },
    logger,
  });
  return app;
}

t.test('a second start with another master key refuses, saying which key the database expects', async (t) => {
  const other = randomBytes(32);
  const refused = await secondStart(other).catch((error: unknown) => error);
  t.ok(refused instanceof MasterKeyMismatch, 'refused');
  t.match(
    refused instanceof Error ? refused.message : '',
    `the write database expects master key ${masterKeyId(testSecrets.masterKey)}, but this process holds master key ${masterKeyId(other)}`,
  );
  t.match(refused, { variable: 'MINDFLOW_MASTER_KEY' }, 'a configuration error: the process exits with its one line');
});

t.test('a second start with the same master key starts, and reads what the first wrote', async (t) => {
  const app = await secondStart(testSecrets.masterKey);
  const user = await testUser(first.app);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${user.token}` },
    payload: { date: '2026-11-20', title: 'From the second', content: 'sealed with the same key' },
  });
  t.equal(created.statusCode, 201);
});
