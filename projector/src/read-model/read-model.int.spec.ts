import { randomUUID } from 'node:crypto';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createEmbeddedBus } from '@mindflow/core/bus';
import { createUserKeyring } from '@mindflow/core/crypto';
import { listenForEvents } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { createTestDatabase, readWholeLog, waitFor } from '@mindflow/core/testing';
import { lateVersions } from '../late-versions.js';
import { asDeliveries, readModelSnapshot } from '../testing.js';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { createDecoder, hostProjection, createProjectionMetrics } from '@mindflow/core/projections';
import { readModelProjection } from './projection.js';
import type { ReadModelTables } from './tables.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const commands = await commandServiceForTest();
const live = await createTestDatabase<ReadModelTables>('read');
t.teardown(async () => {
  await live.drop();
  await commands.close();
});
const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);
const metrics = createProjectionMetrics(new Registry());
const host = (db: Kysely<ReadModelTables>, name = 'read-model') =>
  hostProjection({ projection: { ...readModelProjection, name }, db, decode, metrics, logger });
const notifications = await listenForEvents(commands.url, logger);
const bus = createEmbeddedBus({ db: commands.db, notifications, logger, pollMs: 200 });
const liveHost = host(live.db);
const subscription = await bus.subscribe(liveHost);
t.teardown(async () => {
  await subscription.stop();
  await notifications.close();
});

const { app } = commands;
const password = 'correct horse battery';
async function writer() {
  const email = `${randomUUID()}@example.com`;
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'Ana', timezone: 'Europe/Lisbon', consent },
  });
  const login = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).json<{
    accessToken: string;
    user: { id: string };
  }>();
  return { id: login.user.id, headers: { authorization: `Bearer ${login.accessToken}` } };
}
const applied = (position: number) =>
  waitFor(async () => (liveHost.lastPosition() >= position ? true : undefined), 15_000, `position ${position}`);

t.test("a command's effect reaches the read model within a bounded time", async (t) => {
  const ana = await writer();
  const started = Date.now();
  const created = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: ana.headers,
    payload: {
      date: '2026-11-20',
      title: 'Run',
      content: 'Five km by the river',
      mood: 'happy',
      tags: ['run', 'river'],
    },
  });
  const { id, position } = created.json<{ id: string; position: number }>();
  await applied(position);
  t.ok(Date.now() - started < 5_000, `visible after ${Date.now() - started} ms`);
  const view = await live.db
    .selectFrom('journal_view')
    .selectAll()
    .where('entry_id', '=', id)
    .executeTakeFirstOrThrow();
  t.match(view, {
    title: 'Run',
    content: 'Five km by the river',
    tags: ['run', 'river'],
    author_name: 'Ana',
    word_count: 5,
    version: 1,
  });
  // The command's last event is the user's newest: the achievement its entry unlocked (first-entry).
  const newest = (await readWholeLog(commands.db)).filter((event) => event.userId === ana.id).at(-1);
  t.equal(newest?.type, 'AchievementUnlocked');
  await applied(newest?.globalPosition ?? position);
  t.match(
    await live.db.selectFrom('profile_view').selectAll().where('user_id', '=', ana.id).executeTakeFirstOrThrow(),
    {
      total_entries: 1,
      total_words: 5,
      last_entry_date: '2026-11-20',
      timezone: 'Europe/Lisbon',
      position: String(newest?.globalPosition),
    },
    "the profile records the newest of the user's events applied (read-your-writes)",
  );
});

t.test('updates, deletes and restores move the calendar, tag counts, history and stats', async (t) => {
  const ana = await writer();
  const entry = (date: string, tags: string[], mood: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: ana.headers,
      payload: { date, title: 'A day', content: 'one two', mood, tags },
    });
  await entry('2026-11-01', ['work'], 'sad');
  const second = (await entry('2026-11-02', ['work', 'gym'], 'happy')).json<{ id: string }>();
  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/entries/${second.id}`,
    headers: { ...ana.headers, 'if-match': '"1"' },
    payload: { tags: ['gym'], mood: 'ecstatic', date: '2026-11-03' },
  });
  await applied(patched.json<{ position: number }>().position);
  const tags = async () =>
    (
      await live.db
        .selectFrom('tag_counts')
        .select(['tag', 'count'])
        .where('user_id', '=', ana.id)
        .orderBy('tag')
        .execute()
    ).map((row) => [row.tag, row.count]);
  const calendar = async () =>
    (
      await live.db
        .selectFrom('mood_calendar')
        .select(['entry_date', 'mood'])
        .where('user_id', '=', ana.id)
        .orderBy('entry_date')
        .execute()
    ).map((row) => [row.entry_date, row.mood]);
  t.same(await tags(), [
    ['gym', 1],
    ['work', 1],
  ]);
  t.same(await calendar(), [
    ['2026-11-01', 'sad'],
    ['2026-11-03', 'ecstatic'],
  ]);

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/entries/${second.id}`, headers: ana.headers });
  await applied(deleted.json<{ position: number }>().position);
  t.same(await tags(), [['work', 1]], 'a deleted entry leaves the counts');
  t.same(await calendar(), [['2026-11-01', 'sad']]);
  t.match(
    await live.db.selectFrom('profile_view').selectAll().where('user_id', '=', ana.id).executeTakeFirstOrThrow(),
    { total_entries: 1 },
  );

  const restored = await app.inject({ method: 'POST', url: `/v1/entries/${second.id}/restore`, headers: ana.headers });
  await applied(restored.json<{ position: number }>().position);
  t.same(
    await tags(),
    [
      ['gym', 1],
      ['work', 1],
    ],
    'and comes back on restore',
  );
  const history = await live.db
    .selectFrom('entry_history')
    .select(['version', 'kind', 'actor_id'])
    .where('entry_id', '=', second.id)
    .orderBy('version')
    .execute();
  t.same(
    history.map((h) => [h.version, h.kind, h.actor_id]),
    [
      [1, 'created', ana.id],
      [2, 'updated', ana.id],
      [3, 'deleted', ana.id],
      [4, 'restored', ana.id],
    ],
  );
});

t.test('applying every event twice changes nothing; a rebuild from scratch equals the live model', async (t) => {
  const before = await readModelSnapshot(live.db);
  const all = await readWholeLog(commands.db);
  const deliveries = asDeliveries(all);
  await liveHost.handle(deliveries);
  t.same(await readModelSnapshot(live.db), before, 'a redelivery of everything is absorbed');

  const rebuilt = await createTestDatabase<ReadModelTables>('read');
  t.teardown(() => rebuilt.drop());
  const fresh = host(rebuilt.db, 'read-model');
  await fresh.handle(deliveries);
  t.same(await readModelSnapshot(rebuilt.db), await readModelSnapshot(live.db), 'row by row');
});

t.test('events delivered out of order or twice never put an older version over a newer one', async (t) => {
  // Straight to the projection, bypassing the bus and its offsets: the views alone must hold.
  const { userId, kept, gone, inOrder, late } = await lateVersions(app, commands.db, decode);
  const apply = async (db: Kysely<ReadModelTables>, order: typeof inOrder) => {
    for (const event of order) await db.transaction().execute((trx) => readModelProjection.apply(trx, [event]));
  };
  const snapshot = async (db: Kysely<ReadModelTables>) => {
    const rows = await readModelSnapshot(db);
    return Object.fromEntries(
      Object.entries(rows).map(([table, list]) => [
        table,
        list.filter((row) => (row as { user_id?: string }).user_id === userId),
      ]),
    );
  };
  const ordered = await createTestDatabase<ReadModelTables>('read');
  const shuffled = await createTestDatabase<ReadModelTables>('read');
  t.teardown(async () => {
    await ordered.drop();
    await shuffled.drop();
  });
  await apply(ordered.db, inOrder);
  await apply(shuffled.db, late);

  // Events carry changes, not whole entries: the update that came after the delete is not
  // applied, so the deleted entry's row keeps its created fields. It is deleted, at version 3,
  // and in no calendar or count. Everything else equals the events applied in order.
  const apart = (views: Record<string, unknown[]>): { views: Record<string, unknown[]>; deleted: unknown } => {
    const isGone = (view: unknown) => (view as { entry_id: string }).entry_id === gone;
    return {
      views: { ...views, journal_view: views.journal_view?.filter((view) => !isGone(view)) ?? [] },
      deleted: views.journal_view?.find(isGone),
    };
  };
  const expected = apart(await snapshot(ordered.db));
  t.match(expected.views.journal_view, [
    { entry_id: kept, version: 3, title: 'Version 3', mood: 'angry', tags: ['three'], deleted_at: null },
  ]);
  t.match(expected.views.profile_view, [{ display_name: 'Writer Three', timezone: 'Asia/Tokyo' }]);
  const actual = apart(await snapshot(shuffled.db));
  t.same(actual.views, expected.views, 'the views equal those of the events in order');
  t.match(actual.deleted, { version: 3, deleted_at: Date }, 'the late update did not undo the delete');

  const once = await snapshot(shuffled.db);
  await apply(shuffled.db, inOrder);
  await apply(shuffled.db, late);
  t.same(await snapshot(shuffled.db), once, 'applying every event again, in either order, changes nothing');
});

t.test("a user's read point is the same however their events are cut into batches", async (t) => {
  // Positions are not commit-ordered: in commit order a user's event can carry a higher position
  // than the one after it. One batch, or one batch per event (live, redelivered, rebuilt), must
  // leave the same read point.
  const ana = await writer();
  for (const date of ['2026-03-01', '2026-03-02']) {
    await app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: ana.headers,
      payload: { date, title: date, content: 'x' },
    });
  }
  const created = (await readWholeLog(commands.db)).filter(
    (event) => event.userId === ana.id && event.type === 'EntryCreated',
  );
  const [first, second] = await Promise.all(created.map((event) => decode(event)));
  if (first === undefined || second === undefined) throw new Error('two entries');
  // The first in commit order took the higher position (as a transaction that began earlier can).
  const inverted = [{ ...first, globalPosition: second.globalPosition + 1_000 }, second];
  const readPoint = async (batches: (typeof inverted)[]) => {
    const scratch = await createTestDatabase<ReadModelTables>('read');
    const { db } = scratch;
    try {
      const profile = (await readWholeLog(commands.db)).filter(
        (event) => event.userId === ana.id && event.type === 'UserRegistered',
      );
      const registered = await Promise.all(profile.map((event) => decode(event)));
      await db.transaction().execute((trx) => readModelProjection.apply(trx, registered));
      for (const batch of batches) await db.transaction().execute((trx) => readModelProjection.apply(trx, batch));
      return await db.selectFrom('profile_view').select('position').where('user_id', '=', ana.id).executeTakeFirst();
    } finally {
      await scratch.drop();
    }
  };
  const oneBatch = await readPoint([inverted]);
  const perEvent = await readPoint(inverted.map((event) => [event]));
  t.same(oneBatch, perEvent, 'the same read point');
  t.same(oneBatch, { position: String(second.globalPosition + 1_000) }, 'the highest position applied');
});
