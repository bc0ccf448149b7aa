import { setMinGroupSize } from '@mindflow/core/analytics';
import { connectPostgres } from '@mindflow/core/postgres';
import { waitFor } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

const platform = await queryServiceForTest({ rateLimitPrefix: 'ratelimit:analytics-test:' });
const analytics = connectPostgres('analytics', platform.analyticsUrl, 2);
t.teardown(async () => {
  await analytics.close();
  await platform.close();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const day = daysAgo(2);
// Three cohorts by time zone: 12, 5 and 3 writers, each with an entry on `day`.
const cohorts = { UTC: 12, 'Europe/Lisbon': 5, 'Asia/Tokyo': 3 } as const;
const writers: TestWriter[] = [];
for (const [timezone, count] of Object.entries(cohorts)) {
  for (const writer of await testWriters(platform.app, count, timezone)) {
    await writer.write({ date: day, mood: writers.length % 3 === 0 ? 'sad' : 'happy' });
    writers.push(writer);
  }
}
await waitFor(
  async () => {
    const row = await sql<{ n: number }>`select coalesce(sum(entries), 0)::int as n from mood_daily_summary`.execute(
      analytics.db,
    );
    return row.rows[0]?.n === 20 ? true : undefined;
  },
  20_000,
  'the analytics projection',
);

const analyst = await platform.staff(['user', 'analyst']);
const analystId = analyst.id;
const analystToken = analyst.token;
const asAnalyst = (url: string, accept = 'application/json') =>
  platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${analystToken}`, accept } });
const mood = (query: string) => `/v1/analytics/mood/daily?from=${day}&to=${day}${query}`;
const routes = [
  mood(''),
  `/v1/analytics/activity/weekly?from=${day}&to=${day}`,
  `/v1/analytics/insights/summary?from=${day}&to=${day}`,
];

t.test('a plain user gets 403 on every analyst route, and nobody without a token gets in', async (t) => {
  const writer = writers[0];
  if (writer === undefined) throw new Error('no writer');
  for (const url of routes) {
    const plain = await writer.get(url);
    t.equal(plain.statusCode, 403, url);
    t.equal(plain.json<{ error: { code: string } }>().error.code, 'FORBIDDEN');
    t.equal((await platform.app.inject({ method: 'GET', url })).statusCode, 401, url);
  }
});

t.test('daily moods of the whole cohort, with k = 10', async (t) => {
  await setMinGroupSize(analytics.db, 10);
  const response = await asAnalyst(mood(''));
  t.equal(response.statusCode, 200);
  t.same(response.json(), {
    items: [
      {
        day,
        users: 20,
        entries: 20,
        avgMoodScore: 0.18, // (13 × 0.6 − 7 × 0.6) / 20
        moods: { ecstatic: 0, happy: 13, neutral: 0, sad: 7, anxious: 0, angry: 0, none: 0 },
      },
    ],
  });
  // By time zone: 12, 5 and 3 people; the 5 and the 3 are below k, so only... none is shown:
  // leaving out 8 people would still let 20 - 12 single them out as a group under k.
  const byZone = await asAnalyst(mood('&by=timezone'));
  t.same(byZone.json(), { items: [] }, 'every group under k (and UTC with them, or 20 - 12 = 8 would show)');
});

t.test('k-suppression leaves out small groups and, when they add up to fewer than k, the next smallest', async (t) => {
  await setMinGroupSize(analytics.db, 4);
  const items = (await asAnalyst(mood('&by=timezone'))).json<{ items: { timezone: string; users: number }[] }>().items;
  t.same(
    items.map((item) => [item.timezone, item.users]),
    [['UTC', 12]],
    'Tokyo (3 < 4) left out, then Lisbon (5) too, since 3 alone is under k',
  );
  await setMinGroupSize(analytics.db, 3);
  const all = (await asAnalyst(mood('&by=timezone'))).json<{ items: { timezone: string; users: number }[] }>().items;
  t.same(
    all.map((item) => [item.timezone, item.users]),
    [
      ['Asia/Tokyo', 3],
      ['Europe/Lisbon', 5],
      ['UTC', 12],
    ],
  );
  await setMinGroupSize(analytics.db, 21);
  t.same((await asAnalyst(mood(''))).json(), { items: [] }, 'the whole cohort under k is left out too');
});

t.test('weekly activity and the insights summary', async (t) => {
  await setMinGroupSize(analytics.db, 10);
  const week = (await asAnalyst(`/v1/analytics/activity/weekly?from=${daysAgo(30)}&to=${daysAgo(0)}`)).json<{
    items: { users: number; logins: number; entriesCreated: number }[];
  }>();
  const total = week.items.reduce(
    (sum, item) => ({
      users: sum.users + item.users,
      logins: sum.logins + item.logins,
      entries: sum.entries + item.entriesCreated,
    }),
    { users: 0, logins: 0, entries: 0 },
  );
  t.ok(total.users >= 20 && total.logins >= 20, 'every writer signed in');
  t.equal(total.entries, 20);
  t.same((await asAnalyst(routes[2] ?? '')).json(), { items: [] }, 'no insights yet');
});

t.test('CSV with Accept: text/csv', async (t) => {
  await setMinGroupSize(analytics.db, 10);
  const response = await asAnalyst(mood(''), 'text/csv');
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/csv/);
  t.same(response.body.trim().split('\n'), [
    'day,users,entries,avgMoodScore,ecstatic,happy,neutral,sad,anxious,angry,none',
    `${day},20,20,0.18,0,13,0,7,0,0,0`,
  ]);
});

t.test('bad ranges: 400 when the query breaks its schema, 422 when only the span is wrong', async (t) => {
  for (const [url, status, code] of [
    [`/v1/analytics/mood/daily?from=${day}&to=2000-01-01`, 422, 'VALIDATION_RULE'],
    ['/v1/analytics/mood/daily?from=2024-01-01&to=2026-01-01', 422, 'VALIDATION_RULE'],
    ['/v1/analytics/mood/daily?from=2024-13-01&to=2024-12-01', 400, 'VALIDATION_FAILED'],
    [`/v1/analytics/mood/daily?from=${day}`, 400, 'VALIDATION_FAILED'],
    [`/v1/analytics/mood/daily?from=${day}&to=${day}&by=email`, 400, 'VALIDATION_FAILED'],
  ] as const) {
    const response = await asAnalyst(url);
    t.equal(response.statusCode, status, url);
    t.equal(response.json<{ error: { code: string } }>().error.code, code, url);
  }
});

t.test('every analyst query is audited: who, what, when, from where', async (t) => {
  const audited = () => platform.audit.list({ action: 'ANALYTICS_QUERY' }, 500);
  const before = await audited();
  await asAnalyst(mood('&by=language'));
  const after = await audited();
  t.equal(after.length, before.length + 1);
  t.match(after[0], {
    userId: analystId,
    actorId: analystId,
    actorRole: 'analyst',
    action: 'ANALYTICS_QUERY',
    dataCategory: 'analytics',
    metadata: { route: '/v1/analytics/mood/daily', parameters: { from: day, to: day, by: 'language' } },
    ipAddress: '127.0.0.1',
  });
  t.ok(
    after.every((record) => record.userId === analystId),
    'refused requests answer nothing and so audit nothing',
  );
});
