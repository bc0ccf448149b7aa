import { randomUUID } from 'node:crypto';
import { writingStats } from '@mindflow/core/domain';
import { readStream } from '@mindflow/core/eventstore';
import { createUserKeyring } from '@mindflow/core/crypto';
import t from 'tap';
import { createRecorder, inUserTransaction } from '../recorder.js';
import { commandServiceForTest, testSecrets, testUser } from '../testing.js';
import { createEntry } from './service.js';

const service = await commandServiceForTest();
t.teardown(() => service.close());
const { app, db } = service;

const user = () => testUser(app);

const ana = await user();
const bruno = await user();
const auth = (who: { token: string }, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${who.token}`,
  ...extra,
});
let day = 0;
const nextDate = () => new Date(Date.UTC(2026, 0, 1 + day++)).toISOString().slice(0, 10);
const entry = (date = nextDate()) => ({
  date,
  title: 'A day',
  content: 'Some words here',
  mood: 'happy',
  tags: ['Work'],
});

async function create(who = ana, body: Record<string, unknown> = entry()) {
  const response = await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(who), payload: body });
  return { response, id: response.json<{ id: string }>().id };
}
const patch = (id: string, body: Record<string, unknown>, headers: Record<string, string>, who = ana) =>
  app.inject({ method: 'PATCH', url: `/v1/entries/${id}`, headers: auth(who, headers), payload: body });

t.test('create: 201 with id, version and position; one entry per date; the event and streaks follow', async (t) => {
  const body = entry();
  const { response, id } = await create(ana, body);
  t.equal(response.statusCode, 201);
  t.match(response.json(), { id, version: 1, position: Number });
  t.equal(response.headers.etag, '"1"');
  const second = await create(ana, body);
  t.equal(second.response.statusCode, 409, 'a second entry for the date');
  t.equal((await create(bruno, body)).response.statusCode, 201, 'another user may write that date');

  t.same(
    (await readStream(db, `entry-${id}`)).map((e) => [e.type, e.streamVersion]),
    [['EntryCreated', 1]],
  );
  const streaks = await db
    .selectFrom('user_streaks')
    .selectAll()
    .where('user_id', '=', ana.id)
    .executeTakeFirstOrThrow();
  t.match(streaks, { total_entries: 1, total_words: 3, longest_streak: 1 });
  const tags = await db.selectFrom('tags').select('name').where('name', '=', 'work').execute();
  t.equal(tags.length, 1, 'tags are stored normalized');
});

t.test('bad input: 400 naming the field, 401 without a token, never a 500', async (t) => {
  const bad = await create(ana, { ...entry(), mood: 'elated' });
  t.equal(bad.response.statusCode, 400);
  t.match(bad.response.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: '/mood' }] } });
  const blankTitle = await create(ana, { ...entry(), title: '   ' });
  t.match(blankTitle.response.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: 'title' }] } });
  const impossibleDate = await create(ana, { ...entry(), date: '2026-02-30' });
  t.equal(impossibleDate.response.statusCode, 400);
  const tooLong = await create(ana, { ...entry(), content: 'x'.repeat(10_001) });
  t.equal(tooLong.response.statusCode, 400);
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { ...auth(ana), 'content-type': 'application/json' },
    payload: JSON.stringify({ ...entry(), content: 'x'.repeat(2_000_000) }),
  });
  t.equal(huge.statusCode, 413);
  const anonymous = await app.inject({ method: 'POST', url: '/v1/entries', payload: entry() });
  t.equal(anonymous.statusCode, 401);
  const forged = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: 'Bearer x.y.z' },
    payload: entry(),
  });
  t.equal(forged.statusCode, 401);
});

t.test(
  'PATCH needs If-Match: 428 without, 412 when stale (naming the current version), 200 when current',
  async (t) => {
    const { id } = await create();
    t.equal((await patch(id, { title: 'New' }, {})).statusCode, 428);
    const stale = await patch(id, { title: 'New' }, { 'if-match': '"7"' });
    t.equal(stale.statusCode, 412);
    t.match(stale.json(), { error: { code: 'PRECONDITION_FAILED', details: [{ currentVersion: 1 }] } });
    const ok = await patch(id, { title: 'New', mood: 'sad' }, { 'if-match': '"1"' });
    t.equal(ok.statusCode, 200);
    t.match(ok.json(), { id, version: 2 });
    t.equal(
      (await patch(id, { title: 'New' }, { 'if-match': 'W/"2"' })).json<{ version: number }>().version,
      2,
      'no change, no new version',
    );
  },
);

t.test('two concurrent PATCHes with the same If-Match: exactly one wins', async (t) => {
  const { id } = await create();
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => patch(id, { title: `Writer ${i}` }, { 'if-match': '"1"' })),
  );
  t.same(results.map((r) => r.statusCode).sort(), [200, 412, 412, 412, 412, 412]);
  t.equal((await readStream(db, `entry-${id}`)).length, 2);
});

t.test('a deleted entry cannot be edited until restored', async (t) => {
  const { id } = await create();
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/entries/${id}`, headers: auth(ana) });
  t.equal(deleted.statusCode, 200);
  t.equal((await patch(id, { title: 'x' }, { 'if-match': '"2"' })).statusCode, 409);
  const restored = await app.inject({ method: 'POST', url: `/v1/entries/${id}/restore`, headers: auth(ana) });
  t.match(restored.json(), { version: 3 });
  t.equal((await patch(id, { title: 'x' }, { 'if-match': '"3"' })).statusCode, 200);
  t.same(
    (await readStream(db, `entry-${id}`)).map((e) => e.type),
    ['EntryCreated', 'EntryDeleted', 'EntryRestored', 'EntryUpdated'],
  );
});

t.test("another user's entry is 404 on every route, as is an entry that does not exist", async (t) => {
  const { id } = await create(ana);
  for (const target of [id, randomUUID()]) {
    t.equal((await patch(target, { title: 'mine now' }, { 'if-match': '"1"' }, bruno)).statusCode, 404);
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/v1/entries/${target}`, headers: auth(bruno) })).statusCode,
      404,
    );
    t.equal(
      (await app.inject({ method: 'POST', url: `/v1/entries/${target}/restore`, headers: auth(bruno) })).statusCode,
      404,
    );
  }
  t.equal((await readStream(db, `entry-${id}`)).length, 1, "nothing happened to ana's entry");
});

t.test("a create whose fresh id is another's entry is refused and changes nothing", async (t) => {
  // The route does not look its random id up (id.fresh); were one ever taken, the command must
  // still fail whole, however far its writes got: here the id of ana's entry, created by bruno
  // on a date of his own with a tag of his own, so that only the stream's version can stop it.
  const body = entry();
  const { id } = await create(ana, body);
  const before = await db.selectFrom('journal_entries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const context = {
    requestId: randomUUID(),
    actorId: bruno.id,
    actorRole: 'user',
    ip: '203.0.113.7',
    userAgent: undefined,
    traceparent: undefined,
    now: new Date(),
  };
  const recorder = createRecorder(createUserKeyring(testSecrets.masterKey));
  await t.rejects(
    inUserTransaction(db, bruno.id, (trx) =>
      createEntry({ recorder }, trx, bruno.id, id, { ...entry(), mood: 'happy', tags: ['Elsewhere'] }, context, {
        fresh: true,
      }),
    ),
  );
  t.same(
    await db.selectFrom('journal_entries').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    before,
    "ana's entry is as it was",
  );
  t.same(
    (await readStream(db, `entry-${id}`)).map((e) => [e.type, e.userId]),
    [['EntryCreated', ana.id]],
  );
  const linked = await db
    .selectFrom('journal_entry_tags')
    .innerJoin('tags', 'tags.id', 'journal_entry_tags.tag_id')
    .select('tags.name')
    .where('entry_id', '=', id)
    .execute();
  t.same(
    linked.map((row) => row.name),
    ['work'],
    'its tags as they were',
  );
  const brunos = await db.selectFrom('journal_entries').select('id').where('user_id', '=', bruno.id).execute();
  t.notOk(
    brunos.some((row) => row.id === id),
    'bruno owns no entry of that id',
  );
});

t.test('Idempotency-Key: a retry returns the first response and does nothing; another body is a 422', async (t) => {
  const key = randomUUID();
  const body = entry();
  const first = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: auth(ana, { 'idempotency-key': key }),
    payload: body,
  });
  const retry = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: auth(ana, { 'idempotency-key': key }),
    payload: body,
  });
  t.equal(first.statusCode, 201);
  t.equal(retry.statusCode, 201);
  t.same(retry.json(), first.json());
  t.equal(retry.headers['idempotent-replayed'], 'true');
  const other = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: auth(ana, { 'idempotency-key': key }),
    payload: entry(),
  });
  t.equal(other.statusCode, 422);
  t.equal(other.json<{ error: { code: string } }>().error.code, 'IDEMPOTENCY_KEY_REUSED');
  const count = await db
    .selectFrom('journal_entries')
    .select(db.fn.countAll().as('n'))
    .where('entry_date', '=', body.date)
    .where('user_id', '=', ana.id)
    .executeTakeFirstOrThrow();
  t.equal(Number(count.n), 1);

  const concurrentKey = randomUUID();
  const concurrentBody = entry();
  const concurrent = await Promise.all(
    Array.from({ length: 5 }, () =>
      app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: auth(ana, { 'idempotency-key': concurrentKey }),
        payload: concurrentBody,
      }),
    ),
  );
  t.same(new Set(concurrent.map((r) => r.statusCode)), new Set([201]), 'concurrent duplicates all get the answer');
  t.equal(new Set(concurrent.map((r) => r.json<{ id: string }>().id)).size, 1, 'one entry');
  const otherUser = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: auth(bruno, { 'idempotency-key': key }),
    payload: body,
  });
  t.equal(otherUser.statusCode, 201, 'keys are per user');
});

t.test('no content makes a 500: hostile values in every field of every entry route', async (t) => {
  const { id } = await create();
  const hostile: unknown[] = [
    null,
    -1,
    1e308,
    true,
    [],
    {},
    '',
    ' ',
    '\u202e',
    '😀'.repeat(60),
    'x'.repeat(20_000),
    '0000-01-01',
    '9999-99-99',
    "'; drop table users; --",
    { $gt: '' },
    ['a', 1],
  ];
  const fields = ['date', 'title', 'content', 'mood', 'tags', 'location', 'weather', 'isPrivate', 'extra'];
  let requests = 0;
  for (const field of fields) {
    for (const value of hostile) {
      const body = { ...entry(), [field]: value };
      const responses = [
        await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(ana), payload: body }),
        await patch(id, { [field]: value }, { 'if-match': '"1"' }),
      ];
      for (const response of responses) {
        requests++;
        if (response.statusCode >= 500)
          t.fail(`${field} = ${JSON.stringify(value).slice(0, 40)}: ${response.statusCode} ${response.body}`);
      }
    }
  }
  for (const url of [`/v1/entries/not-a-uuid`, `/v1/entries/${'9'.repeat(500)}`, '/v1/entries/%00']) {
    const response = await app.inject({ method: 'DELETE', url, headers: auth(ana) });
    requests++;
    t.ok(response.statusCode < 500, `${url}: ${response.statusCode}`);
  }
  for (const header of ['"abc"', '"99999999999"', 'W/', '*']) {
    requests++;
    t.ok((await patch(id, { title: 'x' }, { 'if-match': header })).statusCode < 500, `If-Match ${header}`);
  }
  t.pass(`${requests} hostile requests, none answered 5xx`);
});

t.test('the tags an entry is linked to follow every change, whichever changes touch them', async (t) => {
  const linked = async (id: string) =>
    (
      await db
        .selectFrom('journal_entry_tags')
        .innerJoin('tags', 'tags.id', 'journal_entry_tags.tag_id')
        .select('tags.name')
        .where('journal_entry_tags.entry_id', '=', id)
        .orderBy('tags.name')
        .execute()
    ).map((row) => row.name);
  const { id } = await create(ana, { ...entry(), tags: ['alpha', 'beta'] });
  t.same(await linked(id), ['alpha', 'beta'], 'created with its tags');
  let version = 1;
  const step = async (change: Record<string, unknown> | 'delete' | 'restore', expected: string[], what: string) => {
    const response =
      change === 'delete' || change === 'restore'
        ? await app.inject({
            method: change === 'delete' ? 'DELETE' : 'POST',
            url: change === 'delete' ? `/v1/entries/${id}` : `/v1/entries/${id}/restore`,
            headers: auth(ana),
          })
        : await patch(id, change, { 'if-match': `"${version}"` });
    t.equal(response.statusCode, 200, what);
    version = response.json<{ version: number }>().version;
    t.same(await linked(id), expected, what);
  };
  await step({ title: 'Only the title' }, ['alpha', 'beta'], 'a change of title keeps them');
  await step({ tags: ['beta', 'alpha'] }, ['alpha', 'beta'], 'the same tags in another order: the same links');
  await step({ tags: ['beta', 'gamma'] }, ['beta', 'gamma'], 'one tag replaced');
  await step('delete', ['beta', 'gamma'], 'a deletion keeps them');
  await step('restore', ['beta', 'gamma'], 'and so does a restoration');
  await step({ tags: ['beta', 'gamma', 'delta'] }, ['beta', 'delta', 'gamma'], 'one added');
  await step({ tags: [] }, [], 'all removed');
  await step({ tags: ['alpha'] }, ['alpha'], 'and back');
  const { id: bare } = await create(ana, { ...entry(), tags: [] });
  t.same(await linked(bare), [], 'created with none');
});

t.test("a writer's streaks and totals are those of all their entries, however many commands run at once", async (t) => {
  const writer = await user();
  const kept = () =>
    db
      .selectFrom('user_streaks')
      .select(['current_streak', 'longest_streak', 'last_entry_date', 'total_entries', 'total_words'])
      .where('user_id', '=', writer.id)
      .executeTakeFirstOrThrow();
  const counted = async () => {
    const rows = await db
      .selectFrom('journal_entries')
      .innerJoin('users', 'users.id', 'journal_entries.user_id')
      .select(['entry_date as date', 'word_count as words', 'users.timezone'])
      .where('journal_entries.user_id', '=', writer.id)
      .where('journal_entries.deleted_at', 'is', null)
      .execute();
    const stats = writingStats(rows, new Date(), rows[0]?.timezone ?? 'UTC');
    return {
      current_streak: stats.currentStreak,
      longest_streak: stats.longestStreak,
      last_entry_date: stats.lastEntryDate,
      total_entries: stats.totalEntries,
      total_words: stats.totalWords,
    };
  };
  // 24 days up to today, written at once, in an order of their own.
  const today = Date.now();
  const days = Array.from({ length: 24 }, (_, i) => new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  const words = (n: number) => Array.from({ length: n }, () => 'word').join(' ');
  const created = await Promise.all(
    days.map(async (date, i) => (await create(writer, { ...entry(date), content: words(1 + (i % 5)) })).id),
  );
  t.same(await kept(), await counted(), 'after concurrent creates');
  // Then edits, deletions and restorations at once, several to each entry.
  const changes = created.flatMap((id, i) => [
    patch(id, { content: words(7 + i) }, {}, writer),
    ...(i % 3 === 0 ? [app.inject({ method: 'DELETE', url: `/v1/entries/${id}`, headers: auth(writer) })] : []),
    ...(i % 6 === 0 ? [app.inject({ method: 'POST', url: `/v1/entries/${id}/restore`, headers: auth(writer) })] : []),
  ]);
  const statuses = (await Promise.all(changes)).map((response) => response.statusCode);
  t.ok(
    statuses.every((status) => status < 500),
    'no command failed for its neighbours',
  );
  t.same(await kept(), await counted(), 'after concurrent edits, deletions and restorations');
  // A row kept short (as two commands at once could leave it before) and marked for a recount
  // is counted again by the next command, not stepped from.
  await db
    .updateTable('user_streaks')
    .set({ total_entries: 3, total_words: 1, longest_streak: 1, recount: true })
    .where('user_id', '=', writer.id)
    .execute();
  const tomorrow = new Date(today + 86_400_000).toISOString().slice(0, 10);
  t.equal((await create(writer, entry(tomorrow))).response.statusCode, 201);
  t.same(await kept(), await counted(), 'a row marked for a recount is counted again');
  t.equal(
    (await db.selectFrom('user_streaks').select('recount').where('user_id', '=', writer.id).executeTakeFirstOrThrow())
      .recount,
    false,
    'and stepped from afterwards',
  );
});

t.test('writers who name the same new tags at once each get every tag linked', async (t) => {
  // Each command inserts the tags, then links them by name: a tag another writer inserted a
  // moment before (and had not committed when this one's insert began) must still be linked.
  const writers = await Promise.all(Array.from({ length: 6 }, () => user()));
  const tags = [`new-${randomUUID()}`, `also-new-${randomUUID()}`];
  const created = await Promise.all(
    writers.flatMap((writer) => [0, 1, 2].map(() => create(writer, { ...entry(), tags }))),
  );
  t.same(new Set(created.map(({ response }) => response.statusCode)), new Set([201]));
  const links = await db
    .selectFrom('journal_entry_tags')
    .innerJoin('tags', 'tags.id', 'journal_entry_tags.tag_id')
    .select(['journal_entry_tags.entry_id', 'tags.name'])
    .where('tags.name', 'in', tags)
    .execute();
  for (const { id } of created)
    t.same(
      links
        .filter((link) => link.entry_id === id)
        .map((link) => link.name)
        .sort(),
      [...tags].sort(),
      `entry ${id}: both tags`,
    );
  const stored = await db.selectFrom('tags').select('name').where('name', 'in', tags).execute();
  t.equal(stored.length, 2, 'each tag stored once');
});
