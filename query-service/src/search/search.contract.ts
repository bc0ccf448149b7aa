import type { Test } from 'tap';
import { randomUUID } from 'node:crypto';
import {
  queryServiceForTest,
  testReads,
  testWriters,
  type QueryServiceUnderTest,
  type TestWriter,
} from '../testing.js';

interface Found {
  items: { id: string; date: string; title: string; highlights: { title?: string; content?: string } }[];
  facets: { mood: Record<string, number>; tags: Record<string, number> };
  total: number;
  nextCursor: string | null;
}

/**
 * The search contract, over HTTP, on the whole path: commands → projector → index → /v1/search.
 * Every adapter must give the same answers; ranking alone may differ (compare sets unless the
 * order is by date).
 */
export function searchContract(t: Test, engine: 'postgres' | 'elasticsearch') {
  let platform: QueryServiceUnderTest;
  let ana: TestWriter;
  let bob: TestWriter;
  const ids: Record<string, string> = {};
  let position = 0;

  t.before(async () => {
    platform = await queryServiceForTest({ search: engine });
    const [first, second] = await testWriters(platform.app, 2);
    if (first === undefined || second === undefined) throw new Error('writers');
    [ana, bob] = [first, second];
    const entries = {
      cafe: {
        date: '2026-01-10',
        title: 'Café running',
        content: 'Ran five km to the café by the river.',
        mood: 'happy',
        tags: ['run', 'coffee'],
      },
      quiet: {
        date: '2026-01-11',
        title: 'Quiet morning',
        content: 'A slow morning with tea and a book about running shoes.',
        mood: 'neutral',
        tags: ['tea', 'reading'],
      },
      work: {
        date: '2026-01-12',
        title: 'Hard day at work',
        content: 'Meetings all day. The morning run was the best part.',
        mood: 'sad',
        tags: ['work', 'run'],
      },
      sea: {
        date: '2026-01-13',
        title: 'Weekend',
        content: 'Long walk by the sea, no work at all.',
        mood: 'ecstatic',
        tags: ['walk', 'sea'],
      },
      secret: {
        date: '2026-02-01',
        title: 'Private thoughts',
        content: 'Secret café plans & <b>bold</b> ideas',
        mood: 'anxious',
        tags: ['plans'],
        isPrivate: true,
      },
    };
    for (const [name, entry] of Object.entries(entries)) {
      const created = await ana.write(entry);
      ids[name] = created.id;
      position = created.position;
    }
    const bobs = await bob.write({
      date: '2026-01-10',
      title: 'Bob café running',
      content: 'Bob ran to the café',
      tags: ['run', 'bob'],
    });
    ids.bob = bobs.id;
    position = bobs.position;
    await platform.settle(position);
  });
  t.teardown(() => platform.close());

  const search = async (writer: TestWriter, query: string) => {
    const response = await writer.get(`/v1/search?${query}`, { 'x-min-position': String(position) });
    if (response.statusCode !== 200) throw new Error(`${query}: ${String(response.statusCode)} ${response.body}`);
    return response.json<Found>();
  };
  const found = async (writer: TestWriter, query: string) =>
    (await search(writer, query)).items.map((item) => item.id).sort();
  const named = (...names: string[]) => names.map((name) => ids[name] ?? name).sort();

  t.test('accents and word forms: "cafe run" finds "Café running"', async (t) => {
    t.same(await found(ana, 'q=cafe%20run'), named('cafe'));
    t.same(await found(ana, 'q=CAFÉS'), named('cafe', 'secret'));
    t.same(await found(ana, 'q=walk%20by%20the%20sea'), named('sea'), 'stop words do not empty a search');
    t.same(await found(ana, 'q=-the'), named('cafe', 'quiet', 'work', 'sea', 'secret'), 'nor exclude everything');
    t.same(await found(ana, 'q=the%20OR%20sea'), named('sea'), 'nor widen an OR to everything');
  });

  t.test('phrases, OR and exclusions', async (t) => {
    t.same(await found(ana, 'q=%22morning%20run%22'), named('work'));
    t.same(await found(ana, 'q=tea%20OR%20sea'), named('quiet', 'sea'));
    t.same(await found(ana, 'q=run%20-work'), named('cafe', 'quiet'));
    t.same(await found(ana, 'q=-work'), named('cafe', 'quiet', 'secret'), 'an exclusion alone keeps the rest');
  });

  t.test('highlights mark the matches in HTML-escaped text', async (t) => {
    const [hit] = (await search(ana, 'q=secret')).items;
    t.match(hit?.highlights.content, /<mark>Secret<\/mark>/);
    t.notMatch(hit?.highlights.content, /<b>/, 'the text is escaped');
    t.match(hit?.highlights.content, /&lt;b&gt;bold/);
    const cafe = (await search(ana, 'q=river')).items[0];
    t.equal(cafe?.highlights.title, undefined, 'only fields that matched');
    t.match(cafe?.highlights.content, /<mark>river<\/mark>/);
  });

  t.test('facets count what matches, filters included', async (t) => {
    const run = await search(ana, 'q=run');
    t.equal(run.total, 3);
    t.same(run.facets.mood, { happy: 1, neutral: 1, sad: 1 });
    t.same(run.facets.tags, { run: 2, coffee: 1, tea: 1, reading: 1, work: 1 });
    const sad = await search(ana, 'q=run&mood=sad');
    t.same(
      sad.items.map((item) => item.id),
      named('work'),
    );
    t.same(sad.facets.mood, { sad: 1 });
    t.same(await found(ana, 'tags=run&tags=coffee'), named('cafe'));
    t.same(await found(ana, 'tags=run,work'), named('work'));
    t.same(await found(ana, 'mood=happy&mood=ecstatic'), named('cafe', 'sea'));
  });

  t.test('date ranges, and pages in date order', async (t) => {
    const range = await search(ana, 'from=2026-01-11&to=2026-01-12&sort=date');
    t.same(
      range.items.map((item) => item.id),
      [ids.work, ids.quiet],
    );
    const pages: string[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Found = await search(ana, `sort=date&limit=2${cursor === '' ? '' : `&cursor=${cursor}`}`);
      pages.push(page.items.map((item) => item.id));
      t.equal(page.total, 5);
      cursor = page.nextCursor;
    }
    t.same(pages, [[ids.secret, ids.sea], [ids.work, ids.quiet], [ids.cafe]]);
  });

  t.test('in date order, entries written between pages shift nothing (keyset pages)', async (t) => {
    const first = await search(ana, 'sort=date&limit=2');
    const later = await ana.write({ date: '2026-03-01', title: 'Later', content: 'written while paging' });
    position = later.position;
    await platform.settle(position);
    const second = await search(ana, `sort=date&limit=2&cursor=${first.nextCursor ?? ''}`);
    t.same(
      second.items.map((item) => item.id),
      [ids.work, ids.quiet],
      'no duplicate, no gap',
    );
    const deleted = await ana.command('DELETE', `/v1/entries/${later.id}`);
    position = deleted.position;
    await platform.settle(position);
    const relevance = (await search(ana, 'q=run&limit=1')).nextCursor ?? '';
    const mixed = await ana.get(`/v1/search?sort=date&cursor=${relevance}`);
    t.equal(mixed.statusCode, 422, 'a cursor of the other order is refused');
  });

  t.test("tag autocomplete: the caller's tags only", async (t) => {
    const suggest = async (writer: TestWriter, prefix: string) =>
      (await writer.get(`/v1/tags/suggest?prefix=${prefix}`)).json<{ items: string[] }>().items;
    t.same(await suggest(ana, 're'), ['reading']);
    t.same(await suggest(ana, 'R'), ['reading', 'run']);
    t.same(await suggest(ana, 'b'), [], "never another user's");
    t.same(await suggest(bob, 'b'), ['bob']);
    t.equal((await ana.get('/v1/tags/suggest?prefix=')).statusCode, 400);
  });

  t.test("another user's entries never appear, even private ones stay their owner's", async (t) => {
    t.same(await found(bob, 'q=cafe'), named('bob'));
    t.notOk((await found(ana, 'q=bob')).includes(ids.bob ?? ''));
    t.same(await found(ana, 'q=secret'), named('secret'), 'a private entry is searchable by its owner');
    t.same(await found(bob, 'q=secret'), []);
  });

  t.test('delete removes an entry from search; restore brings it back', async (t) => {
    const deleted = await ana.command('DELETE', `/v1/entries/${ids.sea ?? ''}`);
    position = deleted.position;
    await platform.settle(position);
    t.same(await found(ana, 'q=sea'), []);
    t.notOk(Object.keys((await search(ana, '')).facets.tags).includes('sea'), 'nor counted in facets');
    const restored = await ana.command('POST', `/v1/entries/${ids.sea ?? ''}/restore`);
    position = restored.position;
    await platform.settle(position);
    t.same(await found(ana, 'q=sea'), named('sea'));
  });

  t.test('an edit is searchable by its new words, not its old ones', async (t) => {
    const edited = await ana.command(
      'PATCH',
      `/v1/entries/${ids.quiet ?? ''}`,
      { content: 'Green tea by the window.' },
      { 'if-match': '"1"' },
    );
    position = edited.position;
    await platform.settle(position);
    t.same(await found(ana, 'q=window'), named('quiet'));
    t.same(await found(ana, 'q=shoes'), []);
  });

  t.test("hostile input is a 400 or plain results, never a 500 or anyone else's entries", async (t) => {
    for (const q of [
      'title:secret',
      '*',
      '{"match_all":{}}',
      "' or 1=1 --",
      'a AND OR NOT ()',
      '\\',
      '"unclosed',
      '-',
      'OR',
    ]) {
      const response = await ana.get(`/v1/search?q=${encodeURIComponent(q)}`);
      t.equal(response.statusCode, 200, q);
      t.notOk(
        response.json<Found>().items.some((item) => item.id === ids.bob),
        `${q}: nobody else's`,
      );
    }
    for (const [query, status, code] of [
      ['sort=random', 400, 'VALIDATION_FAILED'],
      [`q=${'x'.repeat(257)}`, 400, 'VALIDATION_FAILED'],
      [`q=${Array.from({ length: 17 }, (_, i) => `w${String(i)}`).join('%20')}`, 422, 'VALIDATION_RULE'],
      ['cursor=a.c', 400, 'VALIDATION_FAILED'],
      ['cursor=abc', 422, 'VALIDATION_RULE'],
      ['limit=101', 400, 'VALIDATION_FAILED'],
      ['from=2026-02-30', 400, 'VALIDATION_FAILED'],
      ['from=2026-02-01&to=2026-01-01', 422, 'VALIDATION_RULE'],
      ['mood=glad', 400, 'VALIDATION_FAILED'],
    ] as const) {
      const response = await ana.get(`/v1/search?${query}`);
      t.equal(response.statusCode, status, query);
      t.equal(response.json<{ error: { code: string } }>().error.code, code, query);
    }
  });

  t.test('X-Min-Position: a search right after a write finds it, every time', async (t) => {
    let missed = 0;
    for (let i = 0; i < 20; i++) {
      const word = `fresh${String(i)}z${randomUUID().slice(0, 6)}`;
      const date = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      const created = await ana.write({ date, title: `Just written ${word}`, content: 'words', tags: [word] });
      const headers = { 'x-min-position': String(created.position) };
      const searched = await ana.get(`/v1/search?q=${word}`, headers);
      const suggested = await ana.get(`/v1/tags/suggest?prefix=${word.slice(0, -2)}`, headers);
      const found = searched.json<Found>().items.map((item) => item.id);
      const tags = suggested.json<{ items: string[] }>().items;
      if (!found.includes(created.id) || !tags.includes(word)) missed += 1;
      t.ok(Number(searched.headers['x-position']) >= created.position, 'X-Position says it reflects the write');
    }
    t.equal(missed, 0, 'no search or suggestion missed the write it waited for');
  });

  t.test('with the projections stopped, X-Min-Position answers 503 with Retry-After within the bound', async (t) => {
    await platform.stopProjector();
    const created = await ana.write({ date: '2024-06-01', title: 'Never projected', content: 'words' });
    const headers = { 'x-min-position': String(created.position) };
    for (const url of ['/v1/search?q=projected', '/v1/tags/suggest?prefix=ne']) {
      const started = Date.now();
      const response = await ana.get(url, headers);
      const took = Date.now() - started;
      t.equal(response.statusCode, 503, url);
      t.equal(response.headers['retry-after'], '1', url);
      t.ok(took >= testReads.waitMs && took < testReads.waitMs + 1_500, `${url}: answered after ${String(took)} ms`);
    }
  });
}
