import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { connectRedis } from '../redis/index.js';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { createCounters, type CountersOptions } from './index.js';

// One contract, kept in Redis and in this process.
function countersContract(t: Test, redis: CountersOptions['redis']) {
  const counters = (windowSeconds = 60) => createCounters({ redis, keyPrefix: uniqueName('count'), windowSeconds });

  t.test('addEach counts every key once, in order, one after another call', async (t) => {
    const each = counters();
    const [a, b] = [uniqueName('a'), uniqueName('b')];
    t.same(
      (await each.addEach([a, b])).map((state) => state.count),
      [1, 1],
    );
    t.same(
      (await each.addEach([b, a])).map((state) => state.count),
      [2, 2],
    );
    t.same(
      (await each.addEach([a])).map((state) => state.count),
      [3],
    );
    const [state] = await each.addEach([b]);
    t.ok(
      state !== undefined && state.msBeforeReset > 58_000 && state.msBeforeReset <= 60_000,
      'the window ends in 60 s',
    );
  });

  t.test('add, addEach and get count the same thing', async (t) => {
    const each = counters();
    const key = uniqueName('k');
    await each.add(key, 5);
    t.equal((await each.addEach([key]))[0]?.count, 6);
    t.equal((await each.get(key))?.count, 6);
    await each.delete(key);
    t.equal(await each.get(key), undefined);
    t.equal((await each.addEach([key]))[0]?.count, 1, 'from 0 again after a delete');
  });

  t.test('a window ends: the count starts again', async (t) => {
    const each = counters(1);
    const key = uniqueName('k');
    await each.addEach([key]);
    await each.addEach([key]);
    await sleep(1_200);
    t.equal((await each.addEach([key]))[0]?.count, 1);
  });

  t.test('many at once lose no count', async (t) => {
    const each = counters();
    const key = uniqueName('k');
    await Promise.all(Array.from({ length: 50 }, () => each.addEach([key, uniqueName('other')])));
    t.equal((await each.get(key))?.count, 50);
  });
}

t.test('in Redis', async (t) => {
  const connection = connectRedis(testEngines().redis, silentLogger());
  t.teardown(connection.close);
  countersContract(t, connection);
  t.test('the counts are in Redis, as RateLimiterRedis keeps them (not in this process)', async (t) => {
    const keyPrefix = uniqueName('count');
    const each = createCounters({ redis: connection, keyPrefix, windowSeconds: 60 });
    const key = uniqueName('k');
    await each.addEach([key]);
    await each.addEach([key]);
    t.equal(await connection.redis.get(`${keyPrefix}:${key}`), '2');
    const ttl = await connection.redis.pttl(`${keyPrefix}:${key}`);
    t.ok(ttl > 58_000 && ttl <= 60_000, 'expiring with the window');
    await connection.redis.script('FLUSH');
    t.same(
      (await each.addEach([key])).map((state) => state.count),
      [3],
      'and once Redis has forgotten the script',
    );
    t.equal(await connection.redis.get(`${keyPrefix}:${key}`), '3');
  });
  t.test('the first count of a client in the same turn as its other commands', async (t) => {
    // The client sends the commands of one turn as one pipeline: the counters' script must not
    // break it (a command added to the client meanwhile did: ioredis #1931).
    const fresh = connectRedis(testEngines().redis, silentLogger());
    t.teardown(fresh.close);
    const each = createCounters({ redis: fresh, keyPrefix: uniqueName('count'), windowSeconds: 60 });
    const key = uniqueName('k');
    await fresh.redis.set(key, 'v');
    const answers = await Promise.all([
      fresh.redis.get(key),
      each.addEach([uniqueName('a')]),
      fresh.redis.get(key),
      each.addEach([uniqueName('b')]),
    ]);
    t.same(answers, [
      'v',
      [{ count: 1, msBeforeReset: answers[1][0]?.msBeforeReset }],
      'v',
      [{ count: 1, msBeforeReset: answers[3][0]?.msBeforeReset }],
    ]);
    t.equal(await fresh.redis.get(key), 'v', 'the client still answers');
  });
});

t.test('in this process', async (t) => {
  countersContract(t, undefined);
});
