import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { connectRedis } from '../redis/index.js';
import { isRetriable } from '../projections/retriable.js';
import { silentLogger, startTcpProxy, testEngines, waitFor } from '../testing/index.js';
import { createMemoryHub, createRedisHub, type LiveHub, type LiveUpdate } from './index.js';

/** Two hubs that share their streams: two processes on one Redis, or the one process of npm start. */
interface Pair {
  a: LiveHub;
  b: LiveHub;
  close: () => Promise<void>;
}

const update = (position: number): LiveUpdate => ({ type: 'entry-created', id: randomUUID(), position });

/** Waits until `received` holds `count` updates (or a second has passed). */
async function settled(received: unknown[], count: number) {
  for (let waited = 0; received.length < count && waited < 1_000; waited += 10) await sleep(10);
  await sleep(50);
}

// One contract, every adapter.
function liveHubContract(t: Test, make: () => Promise<Pair>) {
  t.test("a user's updates reach all their listeners, in every process, and no one else's", async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const [alice, bob] = [randomUUID(), randomUUID()];
    const seen = { aliceHere: [] as LiveUpdate[], aliceThere: [] as LiveUpdate[], bob: [] as LiveUpdate[] };
    const stops = await Promise.all([
      a.listen(
        alice,
        (u) => seen.aliceHere.push(u),
        () => undefined,
      ),
      b.listen(
        alice,
        (u) => seen.aliceThere.push(u),
        () => undefined,
      ),
      b.listen(
        bob,
        (u) => seen.bob.push(u),
        () => undefined,
      ),
    ]);
    const sent = [update(1), update(2), update(3)];
    for (const one of sent) await a.publish(alice, one);
    await settled(seen.aliceThere, 3);
    t.same(seen.aliceHere, sent, 'the device in the publishing process, in order');
    t.same(seen.aliceThere, sent, 'the device elsewhere, in order');
    t.same(seen.bob, [], 'another user hears nothing');

    await stops[1]();
    await b.publish(alice, update(4));
    await settled(seen.aliceHere, 4);
    t.equal(seen.aliceThere.length, 3, 'a listener that stopped hears no more');
    t.equal(seen.aliceHere.length, 4, 'the others still do');
    await Promise.all(stops.map((stop) => stop()));
  });

  t.test('streams are capped per user across processes; a closed or stale one frees its place', async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const user = randomUUID();
    const stale = 60_000;
    t.ok(await a.open(user, 'one', 2, stale));
    t.ok(await b.open(user, 'two', 2, stale));
    t.notOk(await a.open(user, 'three', 2, stale), 'a third is refused');
    t.equal(await b.openCount(user), 2);
    t.ok(await a.open(randomUUID(), 'one', 2, stale), "another user's streams are their own");
    await a.close(user, 'one'); // by the process that holds it
    t.ok(await b.open(user, 'three', 2, stale), 'a closed stream frees its place, in every process');

    // A process that died leaves its streams; untouched, they stop counting.
    const other = randomUUID();
    t.ok(await a.open(other, 'kept', 2, 300));
    t.ok(await a.open(other, 'dead', 2, 300));
    await sleep(150);
    await a.touch(other, 'kept', 300);
    await sleep(250);
    t.equal(await b.openCount(other), 1, 'the stream not touched went stale; the touched one stays');
    t.ok(await b.open(other, 'new', 2, 300), 'and its place is free');
  });
}

t.test('memory hub (npm start: one process)', async (t) => {
  liveHubContract(t, async () => {
    const hub = createMemoryHub();
    return { a: hub, b: hub, close: () => hub.shutdown() };
  });
});

t.test('Redis hub (two processes on one Redis)', async (t) => {
  liveHubContract(t, async () => {
    const connections = [
      connectRedis(testEngines().redis, silentLogger()),
      connectRedis(testEngines().redis, silentLogger()),
    ];
    const [a, b] = connections.map((connection) => createRedisHub(connection, silentLogger()));
    if (a === undefined || b === undefined) throw new Error('two hubs');
    return {
      a,
      b,
      close: async () => {
        await Promise.all([a.shutdown(), b.shutdown()]);
        await Promise.all(connections.map((connection) => connection.close()));
      },
    };
  });

  t.test(
    "a process that dies frees its streams' places once its place among the living lapses, not once they go stale",
    async (t) => {
      const connections = [
        connectRedis(testEngines().redis, silentLogger()),
        connectRedis(testEngines().redis, silentLogger()),
      ];
      const [survivor, doomed] = connections;
      if (survivor === undefined || doomed === undefined) throw new Error('two connections');
      const a = createRedisHub(survivor, silentLogger());
      const aliveMs = 3_000;
      const b = createRedisHub(doomed, silentLogger(), 'mindflow-live', aliveMs);
      t.teardown(async () => {
        await Promise.all([a.shutdown(), b.shutdown()]);
        await Promise.all(connections.map(async (connection) => connection.close().catch(() => undefined)));
      });
      const user = randomUUID();
      const stale = 60_000;
      t.ok(await b.open(user, 'one', 2, stale));
      t.ok(await b.open(user, 'two', 2, stale));
      t.notOk(await a.open(user, 'three', 2, stale), 'the cap holds across processes');
      await sleep(aliveMs + 500);
      t.notOk(await a.open(user, 'three', 2, stale), 'while the process lives, past its alive time');
      // As a killed process: its connection gone at once, nothing renews its place among the living.
      doomed.redis.disconnect();
      const freed = await waitFor(
        async () => ((await a.open(user, 'three', 2, stale)) ? true : undefined),
        aliveMs + 10_000,
        "the dead process's streams to stop counting",
      );
      t.ok(freed, "its streams' places are free, a minute before they go stale");
      t.equal(await a.openCount(user), 1, 'only the living stream counts');
    },
  );

  t.test(
    'a living stream dropped because its place among the living lapsed (Redis slow) counts again from its next touch',
    async (t) => {
      const connection = connectRedis(testEngines().redis, silentLogger());
      // Alive for a minute: its timer does not renew it again while the test looks.
      const hub = createRedisHub(connection, silentLogger(), 'mindflow-live', 60_000);
      t.teardown(async () => {
        await hub.shutdown();
        await connection.close();
      });
      const user = randomUUID();
      t.ok(await hub.open(user, 'kept', 2, 60_000));
      // What a lapse looks like: the hub (named by its streams' prefix) is gone from the living.
      const [registered = ''] = await connection.redis.zrange(`ws:user:${user}`, 0, -1);
      t.equal(await connection.redis.zrem('live:instances', registered.split('/')[0] ?? ''), 1, 'its place lapses');
      t.equal(await hub.openCount(user), 0, 'dropped');
      await hub.touch(user, 'kept', 60_000);
      t.equal(await hub.openCount(user), 1, 'counted again');
    },
  );

  t.test(
    'when its subscriber connection drops, every stream listening is told it may have missed updates',
    async (t) => {
      const connection = connectRedis(testEngines().redis, silentLogger());
      const name = `mindflow-live-${randomUUID().slice(0, 8)}`;
      const hub = createRedisHub(connection, silentLogger(), name);
      t.teardown(async () => {
        await hub.shutdown();
        await connection.close();
      });
      const lost: string[] = [];
      const user = randomUUID();
      await hub.listen(
        user,
        () => undefined,
        () => lost.push('first'),
      );
      await hub.listen(
        user,
        () => undefined,
        () => lost.push('second'),
      );
      // Another client kills this hub's subscriber connection, as a Redis restart would.
      const list = (await connection.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const id = new RegExp(`^id=(\\d+) .*name=${name} `, 'm').exec(list)?.[1];
      t.ok(id, 'the subscriber connection is there, by its name');
      await connection.redis.client('KILL', 'ID', id ?? '');
      for (let waited = 0; lost.length < 2 && waited < 2_000; waited += 20) await sleep(20);
      t.same(lost.sort(), ['first', 'second']);
    },
  );
});

t.test(
  'a publish to a Redis that does not answer fails as an engine away: the live projection waits it out',
  async (t) => {
    const engine = testEngines().redis;
    const target = new URL(engine.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    target.port = String(proxy.port);
    const connection = connectRedis({ ...engine, url: target.toString(), timeoutMs: 100 }, silentLogger());
    const hub = createRedisHub(connection, silentLogger());
    t.teardown(async () => {
      await hub.shutdown();
      await connection.close();
      await proxy.close();
    });
    await hub.publish(randomUUID(), update(1));
    proxy.silence();
    const error = await hub.publish(randomUUID(), update(2)).catch((caught: unknown) => caught);
    t.ok(error instanceof Error, `it fails (${String(error)})`);
    t.ok(isRetriable(error), 'as an outage, never a reason to dead-letter the event');
    await proxy.restore();
  },
);
