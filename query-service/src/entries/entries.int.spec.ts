import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { queryServiceForTest, testWriters } from '../testing.js';

// Long enough for the projector under a loaded CI machine; the held-back read below waits it out once.
const waitMs = 3_000;
const platform = await queryServiceForTest({ reads: { waitMs } });
t.teardown(platform.close);
const [ana, bob] = await testWriters(platform.app, 2);
if (ana === undefined || bob === undefined) throw new Error('writers');
const at = (position: number) => ({ 'x-min-position': String(position) });

interface Page {
  items: { id: string; date: string; title: string; mood: string | null; tags: string[] }[];
  nextCursor: string | null;
}

t.test('read-your-writes: a POST, then a GET with its position, sees the entry at once', async (t) => {
  const created = await ana.write({ date: '2020-01-01', title: 'Fresh', mood: 'happy', tags: ['Now'] });
  const response = await ana.get(`/v1/entries/${created.id}`, at(created.position));
  t.equal(response.statusCode, 200);
  t.match(response.json(), { id: created.id, title: 'Fresh', tags: ['now'], version: 1, attachments: [] });
  t.ok(Number(response.headers['x-position']) >= created.position, 'the answer says which position it reflects');
  t.equal(response.headers['cache-control'], 'private, no-cache');

  // An older transaction still open on the write database holds the projector back.
  const blocker = new pg.Client({ connectionString: platform.writeUrl });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('begin');
  await blocker.query('select pg_current_xact_id()');
  const held = await ana.write({ date: '2020-01-02', title: 'Held back' });
  const started = Date.now();
  const late = await ana.get(`/v1/entries/${held.id}`, at(held.position));
  t.equal(late.statusCode, 503, 'a position the read model does not reach in time is 503');
  t.ok(Date.now() - started >= waitMs, 'after waiting the configured time');
  t.equal(late.headers['retry-after'], '1');
  t.equal(late.json<{ error: { code: string } }>().error.code, 'UNAVAILABLE');
  await blocker.query('rollback');
  // The embedded bus notices the freed events at its next poll (1 s).
  const seen = await waitFor(
    async () => ((await ana.get(`/v1/entries/${held.id}`, at(held.position))).statusCode === 200 ? true : undefined),
    5_000,
    'the held-back entry',
  );
  t.ok(seen, 'and once the transaction ends, it is there');
  const metrics = (await platform.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /mindflow_read_wait_seconds_count\{outcome="timeout"\} [1-9]/, 'waits that timed out are counted');
  t.match(metrics, /mindflow_read_wait_seconds_count\{outcome="reached"\} [1-9]/);

  const elsewhere = await ana.get(`/v1/entries/${created.id}`, at(held.position + 1_000));
  t.equal(elsewhere.statusCode, 200, 'a later position with none of your events in between waits for nothing');
  t.equal((await ana.get('/v1/entries', { 'x-min-position': 'soon' })).statusCode, 400);
  t.equal((await ana.get('/v1/entries', { 'x-min-position': '100000000000000000000' })).statusCode, 400);
});

t.test('only the owner sees an entry: another user, a missing id and a deleted entry are 404', async (t) => {
  const mine = await ana.write({ date: '2020-02-01', title: 'Mine' });
  t.equal((await bob.get(`/v1/entries/${mine.id}`, at(mine.position))).statusCode, 404);
  t.equal((await bob.get(`/v1/entries/${mine.id}/history`, at(mine.position))).statusCode, 404);
  t.equal((await bob.get(`/v1/entries/${mine.id}/history?version=1`, at(mine.position))).statusCode, 404);
  t.equal((await ana.get(`/v1/entries/${randomUUID()}`)).statusCode, 404);
  t.equal((await ana.get('/v1/entries/not-a-uuid')).statusCode, 400);
  const bobs = (await bob.get('/v1/entries?limit=100', at(mine.position))).json<Page>();
  t.notOk(
    bobs.items.some((item) => item.id === mine.id),
    "another user's list never holds it",
  );
  const deleted = await ana.command('DELETE', `/v1/entries/${mine.id}`);
  t.equal((await ana.get(`/v1/entries/${mine.id}`, at(deleted.position))).statusCode, 404);
  t.equal((await ana.get(`/v1/entries/${mine.id}/history`, at(deleted.position))).statusCode, 200, 'its history stays');
});

t.test('the trash: ?deleted=true lists deleted entries (newest first), and a restored one leaves it', async (t) => {
  const kept = await ana.write({ date: '2019-06-01', title: 'Kept' });
  const binned = await ana.write({ date: '2019-06-02', title: 'Binned' });
  const deleted = await ana.command('DELETE', `/v1/entries/${binned.id}`);
  const trash = async (position: number) =>
    (await ana.get('/v1/entries?deleted=true&limit=100', at(position))).json<Page>().items.map((item) => item.id);
  const inTrash = await trash(deleted.position);
  t.ok(inTrash.includes(binned.id), 'the deleted entry is in the trash');
  t.notOk(inTrash.includes(kept.id), 'a kept one is not');
  const list = (await ana.get('/v1/entries?limit=100', at(deleted.position))).json<Page>().items.map((item) => item.id);
  t.notOk(list.includes(binned.id), 'nor is a deleted one in the list');
  const bobs = (await bob.get('/v1/entries?deleted=true&limit=100', at(deleted.position))).json<Page>();
  t.notOk(
    bobs.items.some((item) => item.id === binned.id),
    "another user's trash never holds it",
  );
  const restored = await ana.command('POST', `/v1/entries/${binned.id}/restore`);
  t.notOk((await trash(restored.position)).includes(binned.id), 'restored, it leaves the trash');
});

t.test('filters: date range, any of several moods, all of several tags', async (t) => {
  const [carla] = await testWriters(platform.app, 1);
  if (carla === undefined) throw new Error('writer');
  await carla.write({ date: '2021-03-01', mood: 'happy', tags: ['work', 'gym'] });
  await carla.write({ date: '2021-03-02', mood: 'sad', tags: ['work'] });
  await carla.write({ date: '2021-03-03', mood: 'angry', tags: ['gym'] });
  const last = await carla.write({ date: '2021-04-01', mood: 'happy', tags: [] });
  const dates = async (query: string) =>
    (await carla.get(`/v1/entries?${query}`, at(last.position))).json<Page>().items.map((item) => item.date);
  t.same(await dates('from=2021-03-02&to=2021-03-31'), ['2021-03-03', '2021-03-02']);
  t.same(await dates('mood=happy'), ['2021-04-01', '2021-03-01']);
  t.same(await dates('mood=sad&mood=angry'), ['2021-03-03', '2021-03-02']);
  t.same(await dates('tag=work&tag=gym'), ['2021-03-01']);
  t.same(await dates('tag=Work'), ['2021-03-02', '2021-03-01'], 'tags match as they are stored: lower case');
  const cursor = (key: unknown) => `cursor=${Buffer.from(JSON.stringify(key)).toString('base64url')}`;
  for (const bad of ['mood=glad', 'from=2021-02-30', 'limit=0', 'limit=101', 'cursor=bm9w+ZQ', 'colour=red']) {
    const response = await carla.get(`/v1/entries?${bad}`);
    t.equal(response.statusCode, 400, bad);
    t.equal(response.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED', bad);
  }
  // Of the documented form (base64url), but no page gave them out.
  for (const unknown of [
    'cursor=bm9wZQ',
    cursor(['2024-02-30', '00000000-0000-4000-8000-000000000001']),
    cursor(['2024-02-01', '------------------------------------']),
  ]) {
    const response = await carla.get(`/v1/entries?${unknown}`);
    t.equal(response.statusCode, 422, unknown);
    t.equal(response.json<{ error: { code: string } }>().error.code, 'VALIDATION_RULE', unknown);
  }
});

t.test('keyset pages: no duplicates and no gaps while entries are written between pages', async (t) => {
  const [dora] = await testWriters(platform.app, 1);
  if (dora === undefined) throw new Error('writer');
  const existing = new Set<string>();
  let position = 0;
  for (let day = 1; day <= 25; day++) {
    const created = await dora.write({ date: `2022-05-${String(day).padStart(2, '0')}` });
    existing.add(created.id);
    position = created.position;
  }
  const seen: string[] = [];
  const dates: string[] = [];
  let cursor: string | null = null;
  let inserted = 0;
  do {
    const query: string = cursor === null ? 'limit=6' : `limit=6&cursor=${cursor}`;
    const page: Page = (await dora.get(`/v1/entries?${query}`, at(position))).json<Page>();
    seen.push(...page.items.map((item) => item.id));
    dates.push(...page.items.map((item) => item.date));
    cursor = page.nextCursor;
    // Between pages: one entry newer than everything, one in a month already passed, one still ahead.
    inserted += 1;
    position = (await dora.write({ date: `2023-01-${String(inserted).padStart(2, '0')}` })).position;
    position = (await dora.write({ date: `2022-06-${String(inserted).padStart(2, '0')}` })).position;
    position = (await dora.write({ date: `2022-04-${String(inserted).padStart(2, '0')}` })).position;
  } while (cursor !== null);
  t.equal(new Set(seen).size, seen.length, 'no entry twice');
  t.ok(
    [...existing].every((id) => seen.includes(id)),
    'every entry that existed when paging began was seen',
  );
  t.same(dates, [...dates].sort().reverse(), 'newest first throughout');
  t.ok(seen.length > 25, 'entries written ahead of the cursor show up too');
});

t.test('history: every version with who and when; ?version=N is the entry as it was', async (t) => {
  const created = await ana.write({ date: '2020-03-01', title: 'First', content: 'one', mood: 'sad' });
  await ana.command('PATCH', `/v1/entries/${created.id}`, { title: 'Second' }, { 'if-match': '"1"' });
  await ana.command('PATCH', `/v1/entries/${created.id}`, { mood: 'happy', tags: ['x'] }, { 'if-match': '"2"' });
  await ana.command('DELETE', `/v1/entries/${created.id}`);
  const restored = await ana.command('POST', `/v1/entries/${created.id}/restore`);

  const history = (await ana.get(`/v1/entries/${created.id}/history`, at(restored.position))).json<{
    items: { version: number; kind: string; actorId: string; at: string; changes: Record<string, unknown> }[];
  }>();
  t.same(
    history.items.map((item) => [item.version, item.kind, item.actorId]),
    [
      [1, 'created', ana.id],
      [2, 'updated', ana.id],
      [3, 'updated', ana.id],
      [4, 'deleted', ana.id],
      [5, 'restored', ana.id],
    ],
  );
  t.match(history.items[1]?.changes, { title: 'Second' });

  const version = async (n: number) =>
    (await ana.get(`/v1/entries/${created.id}/history?version=${n}`)).json<Record<string, unknown>>();
  t.match(await version(1), {
    version: 1,
    deleted: false,
    entry: { title: 'First', mood: 'sad', tags: [], version: 1 },
  });
  t.match(await version(2), { entry: { title: 'Second', mood: 'sad', content: 'one' } });
  t.match(await version(3), { entry: { title: 'Second', mood: 'happy', tags: ['x'] } });
  t.match(await version(4), { deleted: true });
  t.match(await version(5), { deleted: false, actorId: ana.id });
  const missing = await ana.get(`/v1/entries/${created.id}/history?version=6`);
  t.equal(missing.statusCode, 404);
  t.equal((await ana.get(`/v1/entries/${created.id}/history?version=3000000000`)).statusCode, 400, 'past any integer');
  const farCursor = Buffer.from(JSON.stringify([3_000_000_000])).toString('base64url');
  t.equal(
    (await ana.get(`/v1/entries/${created.id}/history?cursor=${farCursor}`)).statusCode,
    422,
    'a cursor of the documented form that no page gave out',
  );

  const first = (await ana.get(`/v1/entries/${created.id}/history?limit=2`)).json<{
    items: { version: number }[];
    nextCursor: string;
  }>();
  const second = (await ana.get(`/v1/entries/${created.id}/history?limit=2&cursor=${first.nextCursor}`)).json<{
    items: { version: number }[];
  }>();
  t.same(
    [...first.items, ...second.items].map((item) => item.version),
    [1, 2, 3, 4],
    'history pages follow on',
  );
});

t.test('on this day: the same day in earlier years, newest first; 29 February on 28 February', async (t) => {
  const [eva] = await testWriters(platform.app, 1);
  if (eva === undefined) throw new Error('writer');
  await eva.write({ date: '2019-03-15', title: 'Long ago' });
  await eva.write({ date: '2023-03-15', title: 'Recent' });
  await eva.write({ date: '2023-03-16', title: 'Next day' });
  await eva.write({ date: '2024-02-29', title: 'Leap day' });
  const last = await eva.write({ date: '2026-03-15', title: 'Today' });
  const titles = async (date: string) =>
    (await eva.get(`/v1/entries/on-this-day?date=${date}`, at(last.position)))
      .json<{ items: { title: string }[] }>()
      .items.map((item) => item.title);
  t.same(await titles('2026-03-15'), ['Recent', 'Long ago'], 'this year is not "on this day"');
  t.same(await titles('2025-02-28'), ['Leap day']);
  t.same(await titles('2024-02-28'), [], 'a leap year has its own 29th');
  const today = (await eva.get('/v1/entries/on-this-day')).json<{ date: string }>();
  t.equal(today.date, new Date().toISOString().slice(0, 10), "default: today in the writer's time zone (UTC)");
  t.same(
    (await bob.get('/v1/entries/on-this-day?date=2026-03-15')).json<{ items: unknown[] }>().items,
    [],
    "nobody else's",
  );
});
