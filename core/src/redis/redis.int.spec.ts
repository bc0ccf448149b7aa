import t from 'tap';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { connectRedis } from './index.js';

t.test('ioredis against the real Redis: set with TTL, get, atomic counters, pipelines', async (t) => {
  const { redis, health, close } = connectRedis(testEngines().redis, silentLogger());
  const key = uniqueName('smoke');
  t.teardown(async () => {
    await redis.del(key, `${key}:count`);
    await close();
  });
  await t.resolves(health.check());

  await redis.set(key, JSON.stringify({ hello: 'world' }), 'EX', 60);
  t.same(JSON.parse((await redis.get(key)) ?? 'null'), { hello: 'world' });
  const ttl = await redis.ttl(key);
  t.ok(ttl > 0 && ttl <= 60, `TTL set (${ttl} s)`);

  const results = await redis.pipeline().incr(`${key}:count`).incr(`${key}:count`).exec();
  t.same(
    results?.map(([error, value]) => [error, value]),
    [
      [null, 1],
      [null, 2],
    ],
  );
});
