import { startTcpProxy, testEngines, timed, waitFor, type TcpProxy } from '@mindflow/core/testing';
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

// Elasticsearch and MongoDB away, through the real routes: each reached through a proxy the test
// silences (accepts, never answers: the worst case for time-outs) and then restores. The routes
// that need the engine answer 503 ENGINE_UNAVAILABLE with Retry-After within a second, and at
// once once its breaker is open; the others go on; when it returns, the routes answer again and
// what waited arrives. (/readyz naming a degraded engine: core/src/http/server.unit.spec.ts.)
const timeoutMs = 300;

async function proxyTo(t: Test, url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  t.teardown(() => proxy.close());
  target.host = `127.0.0.1:${String(proxy.port)}`;
  return { proxy, url: target.toString() };
}

interface Answer {
  readonly url: string;
  readonly status: number | undefined;
  readonly ms: number;
  readonly response: LightMyRequestResponse | undefined;
}

async function ask(get: (url: string) => Promise<LightMyRequestResponse>, url: string): Promise<Answer> {
  const { value, ms } = await timed(() => get(url), 10_000);
  return { url, status: value?.statusCode, ms, response: value };
}

/** The engine's routes while it is silent: each a 503 within a second, the last ones at once. */
async function assertUnavailable(t: Test, answers: readonly Answer[], engine: string) {
  t.comment(`${engine} silent: ${answers.map((answer) => `${answer.url} ${String(answer.ms)} ms`).join(', ')}`);
  for (const answer of answers) {
    t.equal(answer.status, 503, `${answer.url} answers 503`);
    t.equal(answer.response?.json<{ error: { code: string } }>().error.code, 'ENGINE_UNAVAILABLE');
    t.match(answer.response?.headers['retry-after'], /^\d+$/, 'with Retry-After');
    t.ok(answer.ms < 1_000, `${answer.url} within a second (${String(answer.ms)} ms)`);
  }
  t.ok((answers.at(-1)?.ms ?? Infinity) < 100, 'at once once the breaker is open');
}

t.test('Elasticsearch silent: search and tag suggestions answer 503 at once, entries go on', async (t) => {
  const { proxy, url } = await proxyTo(t, testEngines().elasticsearch.url);
  const platform = await queryServiceForTest({ search: 'elasticsearch', elasticsearch: { url, timeoutMs } });
  // Back before the platform closes (it removes its index and database through the proxy).
  t.teardown(async () => {
    await proxy.restore();
    await platform.close();
  });
  const [writer] = (await testWriters(platform.app, 1)) as [TestWriter];
  const first = await writer.write({ date: '2026-02-01', title: 'Lighthouse walk', mood: 'neutral', tags: ['sea'] });
  const found = (position: number) => writer.get('/v1/search?q=lighthouse', { 'x-min-position': String(position) });
  // A first search on a busy machine can outlast the short timeout: what counts is that one answers.
  await waitFor(
    async () => ((await found(first.position)).statusCode === 200 ? true : undefined),
    30_000,
    'search to answer through the proxy',
  );

  proxy.silence();
  const answers: Answer[] = [];
  for (let i = 0; i < 5; i++) {
    answers.push(await ask((path) => writer.get(path), '/v1/search?q=lighthouse'));
    answers.push(await ask((path) => writer.get(path), '/v1/tags/suggest?prefix=se'));
  }
  await assertUnavailable(t, answers, 'Elasticsearch');
  const second = await writer.write({ date: '2026-02-02', title: 'Lighthouse again', mood: 'happy' });
  const entries = await ask((path) => writer.get(path, { 'x-min-position': String(second.position) }), '/v1/entries');
  t.equal(entries.status, 200, 'the entries list answers from the read model');
  t.ok(entries.ms < 1_000, `within a second (${String(entries.ms)} ms)`);

  await proxy.restore();
  const back = await waitFor(
    async () => {
      const response = await found(second.position);
      return response.statusCode === 200 ? response.json<{ total: number }>() : undefined;
    },
    30_000,
    'search to answer again with the entry written meanwhile',
  );
  t.equal(back.total, 2, 'the entry written while it was away is found');
});

t.test('MongoDB silent: compliance reads answer 503 at once; audit records wait and arrive after', async (t) => {
  const { proxy, url } = await proxyTo(t, testEngines().mongo.url);
  const platform = await queryServiceForTest({
    audit: 'mongodb',
    mongo: { ...testEngines().mongo, url, timeoutMs },
    rateLimitPrefix: 'ratelimit:engines-down:',
  });
  t.teardown(async () => {
    await proxy.restore();
    await platform.close();
  });
  const officer = await platform.staff(['user', 'compliance']);
  const asOfficer = (path: string) =>
    platform.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${officer.token}` } });
  const [writer] = (await testWriters(platform.app, 1)) as [TestWriter];
  await waitFor(
    async () => ((await asOfficer('/v1/audit/logs?limit=1')).statusCode === 200 ? true : undefined),
    30_000,
    'compliance reads to answer through the proxy',
  );

  proxy.silence();
  const answers: Answer[] = [];
  for (let i = 0; i < 5; i++) answers.push(await ask(asOfficer, '/v1/audit/logs?limit=1'));
  await assertUnavailable(t, answers, 'MongoDB');
  const written = await writer.write({ date: '2026-02-03', title: 'Audited later', mood: 'neutral' });
  const entries = await ask((path) => writer.get(path, { 'x-min-position': String(written.position) }), '/v1/entries');
  t.equal(entries.status, 200, 'a writer reads on');

  await proxy.restore();
  // The writer's one entry was written while MongoDB was silent.
  const records = await waitFor(
    async () => {
      const response = await asOfficer(`/v1/audit/logs?userId=${writer.id}&action=ENTRY_CREATE`);
      if (response.statusCode !== 200) return undefined;
      const { items } = response.json<{ items: unknown[] }>();
      return items.length > 0 ? items.length : undefined;
    },
    30_000,
    'the entry written while MongoDB was away to be audited',
  );
  t.equal(records, 1, 'its audit record waited in the projection and arrived');
});
