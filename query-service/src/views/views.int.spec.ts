import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';

const platform = await queryServiceForTest();
t.teardown(platform.close);
const at = (position: number) => ({ 'x-min-position': String(position) });
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

t.test('calendar: every day of the month, with its mood; only your own', async (t) => {
  const [ana, bob] = await testWriters(platform.app, 2);
  if (ana === undefined || bob === undefined) throw new Error('writers');
  await ana.write({ date: '2024-02-01', mood: 'happy' });
  await ana.write({ date: '2024-02-29', mood: null });
  const last = await ana.write({ date: '2024-03-01', mood: 'sad' });
  const response = await ana.get('/v1/calendar/2024/2', at(last.position));
  t.equal(response.statusCode, 200);
  const { days } = response.json<{ days: { date: string; mood: string | null; hasEntry: boolean }[] }>();
  t.equal(days.length, 29, 'a leap February');
  t.match(days[0], { date: '2024-02-01', mood: 'happy', hasEntry: true });
  t.match(days[1], { date: '2024-02-02', mood: null, hasEntry: false });
  t.match(days[28], { date: '2024-02-29', mood: null, hasEntry: true });
  const bobs = (await bob.get('/v1/calendar/2024/2', at(last.position))).json<{ days: { hasEntry: boolean }[] }>();
  t.notOk(
    bobs.days.some((d) => d.hasEntry),
    "nobody else's entries",
  );
  for (const bad of ['/v1/calendar/2024/13', '/v1/calendar/2024/0', '/v1/calendar/24x/1', '/v1/calendar/1800/1']) {
    t.equal((await ana.get(bad)).statusCode, 400, bad);
  }
});

t.test('mood trend: counts per mood and the positive / neutral / negative split', async (t) => {
  const [ana] = await testWriters(platform.app, 1);
  if (ana === undefined) throw new Error('writer');
  await ana.write({ date: day(0), mood: 'happy' });
  await ana.write({ date: day(1), mood: 'ecstatic' });
  await ana.write({ date: day(2), mood: 'sad' });
  await ana.write({ date: day(3), mood: null });
  await ana.write({ date: day(20), mood: 'neutral' });
  const last = await ana.write({ date: day(100), mood: 'angry' });
  const trend = async (days: number) =>
    (await ana.get(`/v1/moods/trend?days=${days}`, at(last.position))).json<Record<string, unknown>>();
  t.match(await trend(7), {
    days: 7,
    from: day(6),
    to: day(0),
    entries: 4,
    counts: { happy: 1, ecstatic: 1, sad: 1, neutral: 0, anxious: 0, angry: 0 },
    positive: 66.7,
    neutral: 0,
    negative: 33.3,
  });
  t.match(await trend(30), { entries: 5, positive: 50, neutral: 25, negative: 25 });
  t.match(await trend(365), { entries: 6, counts: { angry: 1 }, positive: 40, neutral: 20, negative: 40 });
  t.match((await ana.get('/v1/moods/trend')).json(), { days: 30 }, '30 days by default');
  t.equal((await ana.get('/v1/moods/trend?days=8')).statusCode, 400);
});

t.test("streaks and tags: the writer's own, as of today", async (t) => {
  const [ana, bob] = await testWriters(platform.app, 2);
  if (ana === undefined || bob === undefined) throw new Error('writers');
  await ana.write({ date: day(5), tags: ['run'], content: 'one two three' });
  await ana.write({ date: day(2), tags: ['run', 'sea'], content: 'one two three' });
  await ana.write({ date: day(1), tags: ['sea'], content: 'one two three' });
  const last = await ana.write({ date: day(0), tags: ['run'], content: 'one two three' });
  t.same((await ana.get('/v1/streaks', at(last.position))).json(), {
    currentStreak: 3,
    longestStreak: 3,
    lastEntryDate: day(0),
    totalEntries: 4,
    totalWords: 12,
  });
  t.same((await ana.get('/v1/tags', at(last.position))).json(), {
    items: [
      { name: 'run', count: 3 },
      { name: 'sea', count: 2 },
    ],
  });
  t.same((await bob.get('/v1/tags', at(last.position))).json(), { items: [] });
  t.match((await bob.get('/v1/streaks', at(last.position))).json(), { currentStreak: 0, totalEntries: 0 });

  const [old] = await testWriters(platform.app, 1);
  if (old === undefined) throw new Error('writer');
  const lapsed = await old.write({ date: day(3) });
  t.match(
    (await old.get('/v1/streaks', at(lapsed.position))).json(),
    { currentStreak: 0, longestStreak: 1, lastEntryDate: day(3) },
    'a streak whose last entry is older than yesterday has ended',
  );
});

t.test("GET /v1/me: the caller's profile, stats, settings and consent", async (t) => {
  const [ana, bob] = await testWriters(platform.app, 2, 'Europe/Lisbon');
  if (ana === undefined || bob === undefined) throw new Error('writers');
  const renamed = await ana.command('PATCH', '/v1/me', { displayName: 'Ana Lima', theme: 'dark' });
  const me = await ana.get('/v1/me', at(renamed.position));
  t.equal(me.statusCode, 200);
  t.match(me.json(), {
    id: ana.id,
    displayName: 'Ana Lima',
    theme: 'dark',
    timezone: 'Europe/Lisbon',
    roles: ['user'],
    stats: { currentStreak: 0, totalEntries: 0, avgWordsPerEntry: 0 },
    settings: { autoSave: true },
    consent: { termsVersion: '1', dataProcessing: true },
  });
  t.match((await bob.get('/v1/me', at(renamed.position))).json(), { id: bob.id, displayName: 'Writer 1' });
});

t.test('every read needs a valid access token', async (t) => {
  const routes = [
    '/v1/me',
    '/v1/streaks',
    '/v1/tags',
    '/v1/entries',
    '/v1/entries/on-this-day',
    '/v1/entries/00000000-0000-4000-8000-000000000001',
    '/v1/entries/00000000-0000-4000-8000-000000000001/history',
    '/v1/calendar/2024/1',
    '/v1/moods/trend',
  ];
  for (const url of routes) {
    const anonymous = await platform.app.inject({ method: 'GET', url });
    t.equal(anonymous.statusCode, 401, url);
    t.equal(anonymous.json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED', url);
    const forged = await platform.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer a.b.c' } });
    t.equal(forged.statusCode, 401, `${url} with a forged token`);
  }
});
