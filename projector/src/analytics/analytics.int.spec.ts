import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createAnalystLogin, maintainPartitions, partitionMonths, setMinGroupSize } from '@mindflow/core/analytics';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createUserKeyring } from '@mindflow/core/crypto';
import { moods } from '@mindflow/core/domain';
import { createLogger } from '@mindflow/core/logging';
import { createTestDatabase, readWholeLog, type TestDatabase } from '@mindflow/core/testing';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { createDecoder, hostProjection, createProjectionMetrics } from '@mindflow/core/projections';
import { rebuildProjection } from '../rebuild.js';
import { asDeliveries, commandSender, signedInWriters } from '../testing.js';
import { writeSide } from '../database.js';
import { lateVersions } from '../late-versions.js';
import { analyticsProjection } from './projection.js';
import { partitionStore } from './store.js';
import type { AnalyticsProjectionTables } from './tables.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const commands = await commandServiceForTest();
const writeDb = writeSide(commands.db);
const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
t.teardown(() => commands.close());

// A seeded pseudo-random stream, so a failure can be replayed.
let seed = 20261122;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

/** Writers create, edit (mood, date, words), delete and restore entries through the command routes. */
async function randomStream(writerCount: number, steps: number) {
  const writers = await signedInWriters(commands.app, writerCount);
  const live: { id: string; version: number; token: string; deleted: boolean }[] = [];
  const send = commandSender(commands.app);
  for (let step = 0; step < steps; step++) {
    const roll = random();
    const entry = live.length > 0 ? pick(live) : undefined;
    if (entry === undefined || roll < 0.45) {
      const writer = pick(writers);
      const words = Array.from({ length: 1 + Math.floor(random() * 30) }, () => 'word').join(' ');
      const created = await send(writer.token, 'POST', '/v1/entries', {
        date: daysAgo(Math.floor(random() * 50)),
        title: 'A day',
        content: words,
        ...(random() < 0.85 ? { mood: pick(moods) } : {}),
        tags: [pick(['work', 'home', 'walk'])],
      });
      if (created.statusCode === 201)
        live.push({ ...created.json<{ id: string; version: number }>(), token: writer.token, deleted: false });
    } else if (roll < 0.75 && !entry.deleted) {
      const changes = pick([
        { mood: pick(moods) },
        { mood: null },
        { date: daysAgo(Math.floor(random() * 50)) },
        { content: 'a few more words here' },
      ]);
      const updated = await send(entry.token, 'PATCH', `/v1/entries/${entry.id}`, changes, entry.version);
      if (updated.statusCode === 200) entry.version = updated.json<{ version: number }>().version;
    } else if (!entry.deleted) {
      const deleted = await send(entry.token, 'DELETE', `/v1/entries/${entry.id}`);
      if (deleted.statusCode === 200)
        Object.assign(entry, { version: deleted.json<{ version: number }>().version, deleted: true });
    } else {
      const restored = await send(entry.token, 'POST', `/v1/entries/${entry.id}/restore`);
      if (restored.statusCode === 200)
        Object.assign(entry, { version: restored.json<{ version: number }>().version, deleted: false });
    }
  }
}

/** The analytics projection over every event of the store, in batches of random size, some delivered twice. */
async function project(db: Kysely<AnalyticsProjectionTables>) {
  const host = hostProjection({
    projection: analyticsProjection(partitionStore),
    db,
    decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  const deliveries = asDeliveries(await readWholeLog(writeDb));
  let redelivered = 0;
  for (let start = 0; start < deliveries.length;) {
    const size = 1 + Math.floor(random() * 40);
    await host.handle(deliveries.slice(start, start + size));
    if (random() < 0.3) {
      await host.handle(deliveries.slice(Math.max(0, start - 5), start + size));
      redelivered += 1;
    }
    start += size;
  }
  return { events: deliveries.length, redelivered };
}

const rows = async (db: Kysely<AnalyticsProjectionTables>, query: ReturnType<typeof sql>) =>
  (await query.execute(db)).rows as Record<string, unknown>[];

const summary = (db: Kysely<AnalyticsProjectionTables>) =>
  rows(
    db,
    sql`select day::text, language, timezone, mood, entries, scored, round(score_sum::numeric, 4)::text as score, words::int
               from mood_daily_summary where entries <> 0 or scored <> 0 or words <> 0 order by 1, 2, 3, 4`,
  );
const summaryFromRaw = (db: Kysely<AnalyticsProjectionTables>) =>
  rows(
    db,
    sql`select day::text, language, timezone, mood, sum(sign)::int as entries,
                      coalesce(sum(sign) filter (where mood_score is not null), 0)::int as scored,
                      round(coalesce(sum(sign * mood_score), 0)::numeric, 4)::text as score, sum(sign * word_count)::int as words
               from mood_events group by 1, 2, 3, 4
               having sum(sign) <> 0 or coalesce(sum(sign) filter (where mood_score is not null), 0) <> 0 or sum(sign * word_count) <> 0
               order by 1, 2, 3, 4`,
  );
const weekly = (db: Kysely<AnalyticsProjectionTables>) =>
  rows(
    db,
    sql`select week, user_id, logins, logouts, entries_created, entries_updated, entries_deleted, settings_updated, profile_updated
               from user_weekly_activity order by 1, 2`,
  );
const weeklyFromRaw = (db: Kysely<AnalyticsProjectionTables>) =>
  rows(
    db,
    sql`select date_trunc('week', time at time zone 'UTC') at time zone 'UTC' as week, user_id,
                      count(*) filter (where kind = 'login')::int as logins, count(*) filter (where kind = 'logout')::int as logouts,
                      count(*) filter (where kind = 'entry_created')::int as entries_created,
                      count(*) filter (where kind = 'entry_updated')::int as entries_updated,
                      count(*) filter (where kind = 'entry_deleted')::int as entries_deleted,
                      count(*) filter (where kind = 'settings_updated')::int as settings_updated,
                      count(*) filter (where kind = 'profile_updated')::int as profile_updated
               from user_activity_events group by 1, 2 order by 1, 2`,
  );

let analytics: TestDatabase<AnalyticsProjectionTables>;
t.before(async () => {
  analytics = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  await randomStream(12, 260);
});
t.teardown(() => analytics.drop());

t.test(
  'after a random stream with edits, deletes and redeliveries, the aggregates equal a GROUP BY over the raw rows',
  async (t) => {
    const { events, redelivered } = await project(analytics.db);
    t.ok(redelivered > 0, `${events} events, ${redelivered} batches delivered twice`);
    const raw = await summaryFromRaw(analytics.db);
    t.ok(raw.length > 20, `${raw.length} (day, language, timezone, mood) groups`);
    t.same(await summary(analytics.db), raw, 'mood_daily_summary = GROUP BY over mood_events');
    t.same(
      await weekly(analytics.db),
      await weeklyFromRaw(analytics.db),
      'user_weekly_activity = GROUP BY over user_activity_events',
    );

    // And both are the truth: the live entries of the write side, per date and mood.
    const truth = (
      await sql<{ day: string; mood: string; n: number }>`
      select entry_date::text as day, coalesce(mood, 'none') as mood, count(*)::int as n from journal_entries
      where deleted_at is null group by 1, 2 order by 1, 2`.execute(commands.db)
    ).rows;
    const counted = await rows(
      analytics.db,
      sql`select day::text, mood, sum(entries)::int as n from mood_daily_summary group by 1, 2 having sum(entries) <> 0 order by 1, 2`,
    );
    t.same(counted, truth, 'an edited mood or date moved the counts; deletes took them away, restores gave them back');
    t.ok(
      (await rows(analytics.db, sql`select 1 from mood_events where sign = -1`)).length > 0,
      'edits and deletes left retractions',
    );
  },
);

t.test('a rebuild swaps in the same aggregates, partitions included, and the analyst views survive it', async (t) => {
  const before = await summary(analytics.db);
  const months = await partitionMonths(analytics.db, 'mood_events');
  const result = await rebuildProjection({
    projection: analyticsProjection(partitionStore),
    writeDb,
    db: analytics.db,
    decode,
    logger,
  });
  t.ok(result.events > 0);
  t.same(await summary(analytics.db), before);
  t.same(await summaryFromRaw(analytics.db), before);
  t.same(await partitionMonths(analytics.db, 'mood_events'), months, 'the partitions came along');
  await setMinGroupSize(analytics.db, 2);
  const view = await rows(analytics.db, sql`select sum(entries)::int as n from analyst.mood_daily`);
  t.ok(Number(view[0]?.n) > 0, 'analyst.mood_daily reads the new tables');
  t.same(
    await rows(analytics.db, sql`select nspname from pg_namespace where nspname like 'rebuild_%'`),
    [],
    'no shadow schema left',
  );
});

t.test('partitions are created ahead and dropped once past retention; the aggregates keep their counts', async (t) => {
  const db = (await createTestDatabase<AnalyticsProjectionTables>('analytics')).db;
  const now = new Date('2026-11-22T12:00:00Z');
  const first = await maintainPartitions(db, now);
  t.same(
    await partitionMonths(db, 'mood_events'),
    ['2026-11', '2026-12', '2027-01', '2027-02'],
    'this month and three ahead',
  );
  t.same(await partitionMonths(db, 'user_activity_events'), ['2026-11', '2026-12', '2027-01', '2027-02']);
  t.equal(first.created.length, 12);
  t.same((await maintainPartitions(db, now)).created, [], 'a second run creates nothing');

  // Events of November 2026 go through the projection: raw rows and aggregates.
  const writer = '0193a000-0000-7000-8000-000000000001';
  const entry = '0193a000-0000-7000-8000-000000000002';
  const event = (type: string, data: object, position: number, occurredAt: Date) => ({
    eventId: `0193a000-0000-7000-8000-${String(position).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    streamId: type === 'UserRegistered' ? `user-${writer}` : `entry-${entry}`,
    streamVersion: 1,
    globalPosition: position,
    transactionId: String(position),
    occurredAt,
    userId: writer,
    data,
    metadata: {},
  });
  const host = (at: Date) =>
    hostProjection({
      projection: analyticsProjection(partitionStore, () => at),
      db,
      decode: async (e) => ({ ...e, erased: [] }) as never,
      metrics: createProjectionMetrics(new Registry()),
      logger,
    });
  await host(now).handle(
    asDeliveries([
      event(
        'UserRegistered',
        { email: 'x', displayName: 'x', timezone: 'Europe/Lisbon', language: 'pt', theme: 'system' },
        1,
        now,
      ),
      event(
        'EntryCreated',
        {
          entryId: entry,
          date: '2026-11-20',
          title: 't',
          content: 'c',
          mood: 'happy',
          tags: [],
          location: null,
          weather: null,
          isPrivate: false,
          wordCount: 7,
          readingTime: 2,
        },
        2,
        now,
      ),
    ] as never),
  );
  t.same(await rows(db, sql`select count(*)::int as n from mood_events_p2026_11`), [{ n: 1 }]);
  t.same(await rows(db, sql`select count(*)::int as n from user_activity_events_p2026_11`), [{ n: 1 }]);

  // Thirteen months on: November 2026 is past a year of retention; activity past six months.
  const later = new Date('2027-12-05T00:00:00Z');
  const { dropped } = await maintainPartitions(db, later);
  t.ok(
    dropped.includes('mood_events_p2026_11') && dropped.includes('user_activity_events_p2026_11'),
    'expired months dropped',
  );
  t.notOk(
    dropped.some((name) => name.startsWith('journal_insights')),
    'insights are kept forever',
  );
  t.same(await rows(db, sql`select count(*)::int as n from mood_events`), [{ n: 0 }]);
  t.same(
    await rows(db, sql`select day::text, mood, entries from mood_daily_summary`),
    [{ day: '2026-11-20', mood: 'happy', entries: 1 }],
    'the aggregate keeps the count',
  );
  t.ok((await partitionMonths(db, 'mood_events')).includes('2028-03'), 'and months ahead of the new date exist');

  // A late edit of that old entry: no raw rows for an expired month, but the counts move.
  await host(later).handle(
    asDeliveries([
      { ...event('EntryUpdated', { entryId: entry, changes: { mood: 'sad' } }, 3, later), streamVersion: 2 },
    ] as never),
  );
  t.same(
    await rows(db, sql`select count(*)::int as n from mood_events`),
    [{ n: 0 }],
    'nothing written to a dropped month',
  );
  t.same(await rows(db, sql`select mood, entries from mood_daily_summary where entries <> 0`), [
    { mood: 'sad', entries: 1 },
  ]);
});

t.test(
  'the analyst SQL role reads the analyst views and gets permission denied on raw tables and journal text',
  async (t) => {
    const read = await createTestDatabase('read');
    t.teardown(() => read.drop());
    const name = `analyst_${randomUUID().slice(0, 8)}`;
    const password = randomUUID();
    await createAnalystLogin(analytics.db, name, password);
    t.teardown(async () => {
      await sql`drop role if exists ${sql.id(name)}`.execute(analytics.db);
    });
    await setMinGroupSize(analytics.db, 2);
    const as = async (url: string, query: string) => {
      const login = Object.assign(new URL(url), { username: name, password });
      const client = new pg.Client({ connectionString: login.toString() });
      await client.connect();
      try {
        return await client.query(query);
      } finally {
        await client.end();
      }
    };
    const views = await as(
      analytics.url,
      'select day, users, entries, avg_mood_score from analyst.mood_daily order by day',
    );
    t.ok(views.rows.length > 0, 'the aggregate views are readable');
    for (const view of [
      'mood_daily_by_timezone',
      'activity_weekly',
      'activity_weekly_by_language',
      'insights_weekly',
    ]) {
      await as(analytics.url, `select * from analyst.${view} limit 1`);
    }
    for (const table of [
      'mood_events',
      'user_activity_events',
      'journal_insights',
      'entry_moods',
      'mood_daily_summary',
      'user_weekly_activity',
      'analytics_users',
    ]) {
      await t.rejects(as(analytics.url, `select * from ${table} limit 1`), { message: /permission denied/ }, table);
    }
    await t.rejects(as(analytics.url, 'insert into analytics_settings values (true, 2)'), {
      message: /permission denied/,
    });
    await t.rejects(
      as(read.url, 'select title, content from journal_view'),
      { message: /permission denied/ },
      'journal text',
    );
    await t.rejects(as(commands.url, 'select * from events'), { message: /permission denied/ }, 'the event store');
  },
);

t.test('events delivered out of order or twice never put an older version over a newer one', async (t) => {
  // Straight to the projection, bypassing the bus and its offsets: the tables alone must hold.
  const { kept, gone, inOrder, late } = await lateVersions(commands.app, writeDb, decode);
  const projection = analyticsProjection(partitionStore);
  const apply = async (db: Kysely<AnalyticsProjectionTables>, order: typeof inOrder) => {
    for (const event of order) await db.transaction().execute((trx) => projection.apply(trx, [event]));
  };
  const tables = async (db: Kysely<AnalyticsProjectionTables>) => ({
    entries: await rows(
      db,
      sql`select entry_id, version, deleted, case when deleted then null else row(day, mood, mood_score, tags, word_count)::text end as live
          from entry_moods order by entry_id`,
    ),
    moods: await rows(
      db,
      sql`select entry_id, day::text, mood, tags, word_count, sum(sign)::int as n from mood_events
          group by 1, 2, 3, 4, 5 having sum(sign) <> 0 order by 1, 2, 3`,
    ),
    activity: await rows(db, sql`select event_id, kind, metadata from user_activity_events order by event_id`),
    summary: await summary(db),
    // Activity is labelled with the writer's time zone as the projection knew it when it came:
    // the counts, not the labels, are what order must not change.
    weekly: await rows(
      db,
      sql`select week, user_id, sum(logins)::int, sum(entries_created)::int, sum(entries_updated)::int,
                 sum(entries_deleted)::int, sum(profile_updated)::int from user_weekly_activity group by 1, 2 order by 1, 2`,
    ),
    writers: await rows(db, sql`select * from analytics_users`),
  });
  const ordered = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  const shuffled = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  t.teardown(async () => {
    await ordered.drop();
    await shuffled.drop();
  });
  await apply(ordered.db, inOrder);
  await apply(shuffled.db, late);
  const expected = await tables(ordered.db);
  t.match(
    expected.entries,
    [
      { entry_id: kept, version: 3, deleted: false, live: /angry/ },
      { entry_id: gone, version: 3, deleted: true },
    ].sort((a, b) => (a.entry_id < b.entry_id ? -1 : 1)),
  );
  t.same(await tables(shuffled.db), expected, 'the same mood series, activity and aggregates as in order');

  await apply(shuffled.db, inOrder);
  await apply(shuffled.db, late);
  t.same(await tables(shuffled.db), expected, 'applying every event again, in either order, changes nothing');
});
