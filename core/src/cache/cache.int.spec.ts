import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { connectRedis } from '../redis/index.js';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { createMemoryCache, createNoCache, createRedisCache, type Cache } from './index.js';

// One contract, every adapter.
function cacheContract(t: Test, make: () => Promise<{ cache: Cache; close: () => Promise<void> }>) {
  t.test('get what was set; nothing for what was not', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const key = uniqueName('k');
    t.equal(await cache.get(key), undefined);
    await cache.set(key, { a: 1, list: ['x'] }, 60);
    t.same(await cache.get(key), { a: 1, list: ['x'] });
  });
  t.test('entries expire', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const key = uniqueName('k');
    await cache.set(key, 'soon gone', 1);
    await sleep(1_200);
    t.equal(await cache.get(key), undefined);
  });
  t.test('many keys at once, in order', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const [a, b] = [uniqueName('k'), uniqueName('k')];
    await cache.set(b, { b: true }, 60);
    t.same(await cache.getMany([a, b, a]), [undefined, { b: true }, undefined]);
  });
  t.test('bytes as they were stored, beside JSON values, many at once; they expire too', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const [bytes, json, missing] = [uniqueName('k'), uniqueName('k'), uniqueName('k')];
    // Not valid UTF-8 and not JSON: kept byte for byte.
    const stored = Buffer.from([0x7b, 0x0a, 0xff, 0x00, 0xc3, 0x28]);
    await cache.setBytes(bytes, stored, 1);
    await cache.set(json, 'a mark', 60);
    const [got, mark, none] = await cache.getBytes([bytes, json, missing]);
    t.ok(got !== undefined && Buffer.compare(got, stored) === 0, 'the bytes stored');
    t.equal(mark?.toString('utf8'), '"a mark"', 'a JSON value as its JSON');
    t.equal(none, undefined);
    stored[0] = 0; // the cache keeps its own copy
    t.equal((await cache.getBytes([bytes]))[0]?.[0], 0x7b);
    await sleep(1_200);
    t.same(await cache.getBytes([bytes]), [undefined], 'expired');
  });
  t.test("a value's head: its first bytes, all of a shorter one, nothing of a missing one", async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const [long, short, missing] = [uniqueName('k'), uniqueName('k'), uniqueName('k')];
    await cache.setBytes(long, Buffer.from('0123456789'), 60);
    await cache.setBytes(short, Buffer.from([0xff, 0x00]), 60);
    const heads = await cache.getBytes([long, short, missing], 4);
    t.same(
      heads.map((bytes) => bytes?.toString('hex')),
      [Buffer.from('0123').toString('hex'), 'ff00', undefined],
    );
    await t.rejects(cache.setBytes(uniqueName('k'), Buffer.alloc(0), 60), /no bytes/, 'no bytes are no value');
  });
  t.test('raise keeps the greater key, whatever the order of the calls', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const key = uniqueName('mark');
    await cache.raise(key, '0005:0010', 60);
    t.equal(await cache.get(key), '0005:0010');
    await cache.raise(key, '0004:0099', 60);
    t.equal(await cache.get(key), '0005:0010', 'a smaller key does not lower it');
    await Promise.all(['0009:0001', '0007:0300', '0012:0002', '0008:0000'].map((n) => cache.raise(key, n, 60)));
    t.equal(await cache.get(key), '0012:0002');
    await cache.raise(key, '0000:0001', 1);
    await sleep(1_200);
    t.equal(await cache.get(key), undefined, 'and the TTL is renewed by every call');
  });
  t.test('delete and delete by prefix (special characters in the prefix are literal)', async (t) => {
    const { cache, close } = await make();
    t.teardown(close);
    const base = uniqueName('user');
    await cache.set(`${base}:a`, 1, 60);
    await cache.set(`${base}:trend:7`, 7, 60);
    await cache.set(`${base}:trend:30`, 30, 60);
    await cache.set(`${base}*other`, 0, 60);
    await cache.delete(`${base}:a`, `${base}:missing`);
    t.equal(await cache.get(`${base}:a`), undefined);
    await cache.deletePrefix(`${base}:trend:`);
    t.equal(await cache.get(`${base}:trend:7`), undefined);
    t.equal(await cache.get(`${base}:trend:30`), undefined);
    t.equal(await cache.get(`${base}*other`), 0, 'a key outside the prefix stays');
  });
}

t.test('in-process cache', async (t) => {
  cacheContract(t, async () => ({ cache: createMemoryCache(), close: async () => undefined }));
});

t.test('Redis cache', async (t) => {
  cacheContract(t, async () => {
    const connection = connectRedis(testEngines().redis, silentLogger());
    return { cache: createRedisCache(connection), close: connection.close };
  });
});

t.test('no cache: every lookup misses, whatever was set', async (t) => {
  const cache = createNoCache();
  await cache.set('k', 1, 60);
  await cache.raise('m', '5', 60);
  t.equal(await cache.get('k'), undefined);
  t.same(await cache.getMany(['k', 'm']), [undefined, undefined]);
  await cache.setBytes('b', Buffer.from('x'), 60);
  t.same(await cache.getBytes(['b']), [undefined]);
  await t.resolves(cache.delete('k'));
  await t.resolves(cache.deletePrefix('k'));
});
