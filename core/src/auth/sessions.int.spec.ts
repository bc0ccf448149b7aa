import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createLogger } from '../logging/index.js';
import { connectRedis } from '../redis/index.js';
import { createTestDatabase, startTcpProxy, testEngines } from '../testing/index.js';
import type { WriteTables } from '../write-model/index.js';
import { createSessionStore, sessionKey } from './sessions.js';

const database = await createTestDatabase<WriteTables>('write');
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const redis = connectRedis(testEngines().redis, logger);
// Nothing listens on port 1: every command is refused, as when Redis is down.
const down = connectRedis({ url: 'redis://127.0.0.1:1', timeoutMs: testEngines().redis.timeoutMs }, logger);
t.teardown(async () => {
  await Promise.all([redis.close(), down.close()]);
  await database.drop();
});
const { db } = database;

/** A user with one login: its session id. */
async function login(roles: string[] = ['user']): Promise<{ userId: string; sessionId: string }> {
  const userId = randomUUID();
  const sessionId = randomUUID();
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: `${userId}@example.com`,
      password_hash: '!',
      display_name: 'A',
      timezone: 'UTC',
      language: 'en',
      theme: 'system',
      roles,
    })
    .execute();
  await db
    .insertInto('refresh_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      family_id: sessionId,
      token_hash: randomUUID(),
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  return { userId, sessionId };
}
const revoke = (sessionId: string) =>
  db.updateTable('refresh_tokens').set({ revoked_at: new Date() }).where('family_id', '=', sessionId).execute();

t.test('two processes on one Redis: a revocation one of them commits is seen by the other', async (t) => {
  const commands = createSessionStore(db, { redis: redis, logger });
  const reads = createSessionStore(db, { redis: redis, logger });
  t.teardown(() => {
    commands.close();
    reads.close();
  });
  const { userId, sessionId } = await login(['user', 'compliance']);
  t.match(await reads.find(sessionId), { userId, roles: ['user', 'compliance'] });
  t.match(JSON.parse((await redis.redis.get(sessionKey(sessionId))) ?? 'null'), { userId }, 'kept in Redis');

  await db
    .updateTable('users')
    .set({ roles: ['user'] })
    .where('id', '=', userId)
    .execute();
  await commands.forgetUser(userId);
  t.equal(await redis.redis.get(sessionKey(sessionId)), 'stale', 'marked stale for every process');
  const started = Date.now();
  while ((await reads.find(sessionId))?.roles.includes('compliance') === true && Date.now() - started <= 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  t.ok(Date.now() - started <= 1_000, `the role is gone for the other process after ${Date.now() - started} ms`);
  t.equal(await redis.redis.get(sessionKey(sessionId)), 'stale', 'what a reader saw never overwrites the mark');

  await revoke(sessionId);
  await commands.forget([sessionId]);
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal(await reads.find(sessionId), undefined, 'a revoked session is refused');
});

t.test('Redis down: the database answers, a revoked session is never accepted, nothing throws', async (t) => {
  const sessions = createSessionStore(db, { redis: down, logger, localTtlMs: 0 });
  t.teardown(() => sessions.close());
  const { userId, sessionId } = await login();
  t.match(await sessions.find(sessionId), { userId, roles: ['user'] });
  await revoke(sessionId);
  await t.resolves(sessions.forget([sessionId]), 'forget does not throw when Redis is away');
  t.equal(await sessions.find(sessionId), undefined);
  t.equal(await sessions.find('not-a-uuid'), undefined, 'a malformed id asks nothing');
});

t.test('a mark Redis missed while the revoking process lost it is retried once Redis is back', async (t) => {
  const target = new URL(testEngines().redis.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  target.port = String(proxy.port); // the same database, through the proxy
  const viaProxy = connectRedis({ url: target.toString(), timeoutMs: testEngines().redis.timeoutMs }, logger);
  const commands = createSessionStore(db, { redis: viaProxy, logger });
  const reads = createSessionStore(db, { redis: redis, logger, localTtlMs: 0 });
  t.teardown(async () => {
    commands.close();
    reads.close();
    await viaProxy.close();
    await proxy.close();
  });
  const { userId, sessionId } = await login();
  t.match(await reads.find(sessionId), { userId }, 'cached in Redis by another process');
  await proxy.cut();
  await revoke(sessionId);
  await t.resolves(commands.forget([sessionId]), 'the revoking process goes on without Redis');
  t.not(await redis.redis.get(sessionKey(sessionId)), 'stale', 'the mark did not reach Redis');
  await proxy.restore();
  const started = Date.now();
  while ((await redis.redis.get(sessionKey(sessionId))) !== 'stale') {
    if (Date.now() - started > 10_000) throw new Error('the mark was never retried');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.pass(`retried ${String(Date.now() - started)} ms after Redis came back`);
  t.equal(await reads.find(sessionId), undefined, 'and the other process refuses the session');
});

t.test('the cost of the check per request, by path', async (t) => {
  const { sessionId } = await login();
  const time = async (name: string, store: ReturnType<typeof createSessionStore>, rounds: number) => {
    await store.find(sessionId);
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await store.find(sessionId);
    const micros = ((performance.now() - started) * 1_000) / rounds;
    t.comment(`session-check ${name}: ${micros.toFixed(1)} µs per request (${String(rounds)} rounds)`);
    return micros;
  };
  const local = createSessionStore(db, { redis: redis, logger });
  const shared = createSessionStore(db, { redis: redis, logger, localTtlMs: 0 });
  const direct = createSessionStore(db, { logger, localTtlMs: 0 });
  t.teardown(() => [local, shared, direct].forEach((store) => store.close()));
  t.ok((await time('in-process hit', local, 20_000)) < 100);
  t.ok((await time('Redis hit', shared, 2_000)) < 5_000);
  t.ok((await time('database', direct, 2_000)) < 10_000);
});
