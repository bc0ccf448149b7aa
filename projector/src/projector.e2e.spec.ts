import { randomUUID } from 'node:crypto';
import { cacheKeys, createRedisCache } from '@mindflow/core/cache';
import { createLogger } from '@mindflow/core/logging';
import { connectRedis } from '@mindflow/core/redis';
import { silentLogger, testEngines, waitFor } from '@mindflow/core/testing';
import { Registry } from 'prom-client';
import t from 'tap';
import { projectorForTest, signedInWriters } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

for (const via of ['Kafka', 'the embedded bus'] as const) {
  t.test(`commands reach the read model through the projector, via ${via}`, async (t) => {
    const registry = new Registry();
    const redis = connectRedis(testEngines().redis, silentLogger());
    const cache = createRedisCache(redis);
    const { commands, read, projector, close } = await projectorForTest({
      kafka: via === 'Kafka',
      logger,
      registry,
      cache,
    });
    t.teardown(async () => {
      await close();
      await redis.close();
    });
    const [writer] = await signedInWriters(commands.app, 1);
    const user = { id: writer?.id ?? '' };
    const accessToken = writer?.token ?? '';
    const someoneElse = randomUUID();
    await cache.set(cacheKeys.profile(user.id).key, { stale: true }, 60);
    await cache.set(cacheKeys.streaks(user.id).key, { stale: true }, 60);
    await cache.set(cacheKeys.recentJournals(user.id).key, { stale: true }, 60);
    await cache.set(cacheKeys.moodTrend(user.id, 30).key, { stale: true }, 60);
    await cache.set(cacheKeys.profile(someoneElse).key, { theirs: true }, 60);
    const started = Date.now();
    const ids: string[] = [];
    for (let day = 1; day <= 5; day++) {
      const created = await commands.app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${accessToken}` },
        payload: { date: `2026-10-0${day}`, title: `Day ${day}`, content: 'words', mood: 'neutral', tags: ['daily'] },
      });
      ids.push(created.json<{ id: string }>().id);
    }
    const visible = await waitFor(
      async () => {
        const rows = await read.db.selectFrom('journal_view').select('entry_id').where('entry_id', 'in', ids).execute();
        return rows.length === ids.length ? Date.now() - started : undefined;
      },
      20_000,
      'five entries in the read model',
    );
    t.ok(visible < 20_000, `all five visible after ${visible} ms`);
    const counts = await read.db
      .selectFrom('tag_counts')
      .select('count')
      .where('tag', '=', 'daily')
      .executeTakeFirstOrThrow();
    t.equal(counts.count, 5);
    await waitFor(
      async () => ((await cache.get(cacheKeys.moodTrend(user.id, 30).key)) === undefined ? true : undefined),
      20_000,
      'the stale trend to be invalidated',
    );
    t.equal(await cache.get(cacheKeys.profile(user.id).key), undefined, 'stale profile removed');
    t.equal(await cache.get(cacheKeys.streaks(user.id).key), undefined, 'stale streaks removed');
    t.equal(await cache.get(cacheKeys.recentJournals(user.id).key), undefined, 'stale recent journals removed');
    t.same(await cache.get(cacheKeys.profile(someoneElse).key), { theirs: true }, "another user's entry stays");
    for (const check of projector.readiness) await t.resolves(check.check(), `${check.name} is ready`);
    t.match(await registry.metrics(), /mindflow_projection_events_total\{projection="read-model"\} \d+/);
  });
}
