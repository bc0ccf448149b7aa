import { cacheKeys } from '@mindflow/core/cache';
import { uniqueName } from '@mindflow/core/testing';
import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';
import { answerHeadBytes } from './answer-bodies.js';
import { answerTag, readStoredAnswer, storedAnswer } from './reader.js';

const platform = await queryServiceForTest();
t.teardown(platform.close);
const cache = platform.cache;
const at = (position: number) => ({ 'x-min-position': String(position) });
const [writer] = await testWriters(platform.app, 1);
if (writer === undefined) throw new Error('writer');
const ana = writer;
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
let position = 0;
for (let i = 0; i < 25; i++) {
  position = (await ana.write({ date: day(i), mood: i % 2 === 0 ? 'happy' : 'sad', tags: [`t${i % 3}`] })).position;
}
const routes = [
  '/v1/me',
  '/v1/streaks',
  '/v1/tags',
  '/v1/entries',
  '/v1/entries?limit=5',
  '/v1/entries?limit=100',
  '/v1/entries/on-this-day',
  `/v1/calendar/${day(0).slice(0, 4)}/${String(Number(day(0).slice(5, 7)))}`,
  '/v1/moods/trend?days=7',
  '/v1/moods/trend?days=30',
];
const answers = async () =>
  Object.fromEntries(
    await Promise.all(
      routes.map(async (url) => {
        const response = await ana.get(url, at(position));
        return [url, { status: response.statusCode, body: response.json<unknown>() }] as const;
      }),
    ),
  );

t.test('flushing Redis mid-test changes no answer', async (t) => {
  const before = await answers();
  t.equal(Object.values(before).filter((answer) => answer.status === 200).length, routes.length, 'every route answers');
  t.ok((await cache.getBytes([cacheKeys.profile(ana.id).key]))[0] !== undefined, 'the profile was cached');
  await platform.redis.flushdb();
  t.same(await answers(), before, 'the same answers from the read model');
  t.same(await answers(), before, 'and from the cache again');
});

/** Cache lookups counted so far with these labels. */
const lookups = async (labels: { readonly result?: 'hit' | 'miss'; readonly read?: 'early' | 'late' }) =>
  ((await platform.app.metrics.getSingleMetric('mindflow_query_cache_lookups_total')?.get())?.values ?? [])
    .filter((value) => Object.entries(labels).every(([name, label]) => value.labels[name] === label))
    .reduce((sum, value) => sum + value.value, 0);
const hits = () => lookups({ result: 'hit' });

t.test(
  'a hit is the answer the miss sent, byte for byte, with the ETag of those bytes and their read point',
  async (t) => {
    for (const url of ['/v1/me', '/v1/streaks', '/v1/entries', '/v1/moods/trend?days=30']) {
      await platform.redis.flushdb();
      const missed = await ana.get(url, at(position));
      const before = await hits();
      const hit = await ana.get(url, at(position));
      t.equal(await hits(), before + 1, `${url}: the second answer came from the cache`);
      t.equal(hit.body, missed.body, `${url}: the same bytes`);
      t.equal(hit.headers.etag, answerTag(hit.body), `${url}: the ETag is the hash of what is sent`);
      t.equal(hit.headers['content-type'], 'application/json; charset=utf-8');
      t.equal(hit.headers['x-position'], missed.headers['x-position'], `${url}: the read point it reflects`);
    }
  },
);

t.test("a cached answer's lookup starts beside the rate-limit counters when the route foresees its key", async (t) => {
  const early = [
    '/v1/me',
    '/v1/streaks',
    '/v1/entries',
    '/v1/entries?limit=20',
    '/v1/moods/trend',
    '/v1/moods/trend?days=365',
  ];
  // The route reads these answers from the cache too, but their query is not the one foreseen.
  const late = ['/v1/entries?limit=020', '/v1/moods/trend?days=07'];
  for (const [url, read] of [
    ...early.map((url) => [url, 'early'] as const),
    ...late.map((url) => [url, 'late'] as const),
  ]) {
    await platform.redis.flushdb();
    const missed = await ana.get(url, at(position));
    const before = { hits: await hits(), read: await lookups({ read }) };
    const hit = await ana.get(url, at(position));
    t.same(
      { status: hit.statusCode, hits: await hits(), read: await lookups({ read }) },
      { status: 200, hits: before.hits + 1, read: before.read + 1 },
      `${url}: a hit, read ${read}`,
    );
    t.equal(hit.body, missed.body, `${url}: the same answer`);
  }
});

t.test('bytes in the cache that are no answer and no mark: the answer comes from the read model', async (t) => {
  const real = await ana.get('/v1/me', at(position));
  const mark = cacheKeys.userPosition(ana.id).key;
  const answer = cacheKeys.profile(ana.id).key;
  for (const [key, bytes] of [
    [mark, Buffer.from('not json')],
    [answer, Buffer.from([0xff, 0x0a, 0x7b])],
  ] as const) {
    const [kept] = await cache.getBytes([key]);
    await cache.setBytes(key, bytes, 60);
    const response = await ana.get('/v1/me', at(position));
    t.equal(response.statusCode, 200, `${key}: not a 500`);
    t.equal(response.body, real.body, `${key}: the same answer`);
    await (kept === undefined ? cache.delete(key) : cache.setBytes(key, kept, 3_600));
  }
});

t.test('a cached answer goes stale with the write that changes it', async (t) => {
  const first = (await ana.get('/v1/moods/trend?days=7', at(position))).json<{ counts: { angry: number } }>();
  t.equal(first.counts.angry, 0);
  const moved = await ana.command(
    'PATCH',
    `/v1/entries/${(await firstEntryId()) ?? ''}`,
    { mood: 'angry' },
    {
      'if-match': '"1"',
    },
  );
  const after = (await ana.get('/v1/moods/trend?days=7', at(moved.position))).json<{ counts: { angry: number } }>();
  t.equal(after.counts.angry, 1);
  const list = (await ana.get('/v1/entries', at(moved.position))).json<{ items: { mood: string }[] }>();
  t.equal(list.items[0]?.mood, 'angry', 'the cached first page too');
  position = moved.position;
});

async function firstEntryId() {
  return (await ana.get('/v1/entries?limit=1', at(position))).json<{ items: { id: string }[] }>().items[0]?.id;
}

t.test('an answer cached at an older read point than the newest event the cache knows of is not served', async (t) => {
  const key = cacheKeys.profile(ana.id);
  const real = (await ana.get('/v1/me', at(position))).json<{ displayName: string }>();
  const [bytes] = await cache.getBytes([key.key]);
  const stored = bytes === undefined ? undefined : readStoredAnswer(bytes);
  const current = stored?.meta.key ?? '';
  t.match(current, /^\d+:\d+$/, 'cached answers carry the commit-order key of their read point');
  const planted = (answerKey: string) =>
    cache.setBytes(
      key.key,
      storedAnswer(
        { ...(stored?.meta ?? { position, timezone: 'UTC', tag: null }), key: answerKey, etag: '"planted"' },
        JSON.stringify({ ...real, displayName: 'Planted' }),
      ),
      60,
    );
  await cache.raise(cacheKeys.userPosition(ana.id).key, current, 60);
  await planted(current);
  t.equal(
    (await ana.get('/v1/me')).json<{ displayName: string }>().displayName,
    'Planted',
    'a cached answer as new as the mark is served (the cache is really used)',
  );
  // Older in commit order: what an answer built before the read model applied the newest event looks like.
  const [transaction = '', ownPosition = ''] = current.split(':');
  await planted(`${transaction}:${'0'.repeat(ownPosition.length)}`);
  t.equal(
    (await ana.get('/v1/me')).json<{ displayName: string }>().displayName,
    real.displayName,
    'one older than the mark is not, even though it was stored after the mark rose',
  );
  await cache.delete(key.key);
});

t.test("a long answer's body comes from this process only under the ETag the cache holds", async (t) => {
  // A hit reads the head of the stored answer from Redis, and its body from this process's copy
  // under that head's ETag. Another answer stored meanwhile (by another process) has another
  // ETag: its body is read from Redis, never the copy kept of the one before.
  const url = '/v1/entries';
  const key = cacheKeys.recentJournals(ana.id).key;
  await platform.redis.flushdb();
  const real = await ana.get(url, at(position));
  t.ok(Buffer.byteLength(real.body) > answerHeadBytes, 'longer than the head a hit reads');
  const [bytes] = await cache.getBytes([key]);
  const stored = bytes === undefined ? undefined : readStoredAnswer(bytes);
  if (stored === undefined) throw new Error('the first page was not cached');
  const other = real.body.replace(/"title":"[^"]*"/, '"title":"Stored by another process"');
  await cache.setBytes(key, storedAnswer({ ...stored.meta, etag: answerTag(other) }, other), 60);
  const before = await hits();
  const hit = await ana.get(url, at(position));
  t.equal(await hits(), before + 1, 'a hit');
  t.equal(hit.body, other, 'the body the cache holds');
  t.equal(hit.headers.etag, answerTag(other));
  await cache.setBytes(key, storedAnswer(stored.meta, stored.json.toString('utf8')), 60);
  const again = await ana.get(url, at(position));
  t.equal(again.body, real.body, 'and the first one again, once the cache holds it again');
  t.equal(await hits(), before + 2);
});

t.test('ETag on every answer, 304 on If-None-Match, a new ETag after a change', async (t) => {
  for (const url of routes) {
    const response = await ana.get(url, at(position));
    const etag = response.headers.etag;
    t.match(etag, /^"[^"]+"$/, `${url} has an ETag`);
    t.equal(response.headers['cache-control'], 'private, no-cache');
    const again = await ana.get(url, { 'if-none-match': String(etag) });
    t.equal(again.statusCode, 304, `${url} answers 304 to its ETag`);
    t.equal(again.body, '');
  }
  const me = await ana.get('/v1/me');
  const renamed = await ana.command('PATCH', '/v1/me', { displayName: 'Renamed' });
  const changed = await ana.get('/v1/me', { ...at(renamed.position), 'if-none-match': String(me.headers.etag) });
  t.equal(changed.statusCode, 200, 'a changed profile is sent again');
  t.not(changed.headers.etag, me.headers.etag);
});

t.test('rate limits: per caller by role, and per IP; 429 with Retry-After and RateLimit headers', async (t) => {
  // Counters of their own: other suites on this machine also read from 127.0.0.1.
  const prefix = `ratelimit:${uniqueName('test')}:`;
  const limited = await queryServiceForTest({
    reads: { rateLimits: { windowSeconds: 60, perIp: 8, perUser: 3, perStaff: 6 } },
    rateLimitPrefix: prefix,
  });
  t.teardown(limited.close);
  const [eva, finn] = await testWriters(limited.app, 2);
  if (eva === undefined || finn === undefined) throw new Error('writers');
  const statuses = async (writer: typeof eva, n: number) => {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) codes.push((await writer.get('/v1/tags')).statusCode);
    return codes;
  };
  t.same(await statuses(eva, 4), [200, 200, 200, 429], "a writer's budget is theirs");
  const over = await eva.get('/v1/tags');
  t.equal(over.statusCode, 429);
  t.equal(over.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  t.ok(Number(over.headers['retry-after']) > 0, 'Retry-After');
  t.equal(over.headers['ratelimit-limit'], '3');
  t.equal(over.headers['ratelimit-remaining'], '0');
  t.same(await statuses(finn, 3), [200, 200, 200], 'another writer has their own');
  // 5 + 3 requests so far from this address: its budget of 8 is spent, whoever asks.
  const anonymous = await limited.app.inject({ method: 'GET', url: '/v1/tags' });
  t.equal(anonymous.statusCode, 429, 'the IP budget covers everyone behind the address');
  t.ok(
    (await limited.redis.keys(`${prefix}*`)).some((key) => key === `${prefix}user:${eva.id}:60s`),
    'counters live in Redis under ratelimit:{who}:{window}',
  );
});
