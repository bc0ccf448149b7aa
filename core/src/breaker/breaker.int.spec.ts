import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { connectElasticsearch } from '../elasticsearch/index.js';
import { createHttpServer } from '../http/index.js';
import { connectMongo } from '../mongo/index.js';
import { createElasticsearchSearch } from '../search/index.js';
import { createS3BlobStore } from '../blobs/index.js';
import { connectPostgres } from '../postgres/index.js';
import { connectS3 } from '../s3/index.js';
import {
  refusedPort,
  silentLogger,
  silentServer,
  startTcpProxy,
  testEngines,
  timed,
  uniqueName,
  waitFor,
} from '../testing/index.js';
import { createBreaker, EngineUnavailableError, installBreakerMetrics } from './index.js';

const request = { text: undefined, moods: [], tags: [], sort: 'date', offset: 0, limit: 10 } as const;

/** Five calls to an engine that is away: each must fail with EngineUnavailableError; their times (ms). */
async function failingTries(t: Test, call: () => Promise<unknown>, what: string): Promise<number[]> {
  const tries = [];
  for (let i = 0; i < 5; i++) {
    const { value, ms } = await timed(() => call().catch((error: unknown) => error), 10_000);
    tries.push(ms);
    t.type(value, EngineUnavailableError);
  }
  t.comment(`${what} ${tries.join(', ')} ms`);
  return tries;
}

t.test('Elasticsearch silent: search fails within its timeout, then at once while the breaker is open', async (t) => {
  const server = await silentServer();
  t.teardown(server.close);
  const es = connectElasticsearch({ url: `http://127.0.0.1:${String(server.port)}`, timeoutMs: 300 }, silentLogger());
  t.teardown(es.close);
  const search = createElasticsearchSearch(es, 'journal_entries');
  const tries = await failingTries(t, () => search.search('u', request), 'search answers:');
  t.ok(
    tries.every((ms) => ms < 1_000),
    'each within a second',
  );
  t.equal(es.breaker.state(), 'open', 'three failures in a row opened it');
  t.ok((tries.at(-1) ?? Infinity) < 50, 'and then it fails at once');
  const registry = new Registry();
  installBreakerMetrics(registry, [es.breaker]);
  t.match(await registry.metrics(), /mindflow_engine_breaker_state\{engine="elasticsearch"\} 2/);
});

t.test('a route that meets an engine away answers 503 ENGINE_UNAVAILABLE with Retry-After', async (t) => {
  const app = await createHttpServer({ logger: silentLogger(), title: 't', version: '0', readiness: [] });
  t.teardown(() => app.close());
  app.get('/down', async () => {
    throw new EngineUnavailableError('elasticsearch', 'circuit open', 4);
  });
  const response = await app.inject({ method: 'GET', url: '/down' });
  t.equal(response.statusCode, 503);
  t.equal(response.headers['retry-after'], '4');
  t.equal(response.json<{ error: { code: string } }>().error.code, 'ENGINE_UNAVAILABLE');
});

t.test('MongoDB refused: compliance reads fail at once once the breaker is open', async (t) => {
  const mongo = connectMongo(
    { url: `mongodb://127.0.0.1:${String(await refusedPort())}/`, database: 'nowhere', timeoutMs: 300 },
    silentLogger(),
  );
  t.teardown(mongo.close);
  // A compliance read as the audit store runs it, guarded as request handlers use it.
  const list = () => mongo.breaker.run(() => mongo.db.collection('audit_logs').find({}).limit(1).toArray());
  const tries = await failingTries(t, () => list(), 'audit reads:');
  t.equal(mongo.breaker.state(), 'open');
  t.ok((tries.at(-1) ?? Infinity) < 50, 'at once while open');
});

t.test('S3 silent: each request fails within its timeout, then at once; the store answers again after', async (t) => {
  const engines = testEngines().s3;
  const endpoint = new URL(engines.endpoint);
  const proxy = await startTcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
  t.teardown(() => proxy.close());
  const s3 = connectS3(
    { ...engines, endpoint: `http://127.0.0.1:${String(proxy.port)}`, timeoutMs: 300 },
    silentLogger(),
  );
  t.teardown(s3.close);
  const store = createS3BlobStore(s3, s3.bucket);
  const key = `breaker/${uniqueName('object')}`;
  await store.put(key, Readable.from([Buffer.from('dear diary')]), { contentType: 'text/plain' });
  t.teardown(() => store.delete(key));
  t.same(await store.head(key), { size: 10, contentType: 'text/plain' }, 'through the proxy, it answers');

  // Accepts connections, never answers: the worst case for a client's time-outs.
  proxy.silence();
  const tries = await failingTries(t, () => store.head(key), 'head while S3 is silent:');
  t.ok(
    tries.every((ms) => ms < 1_000),
    'each within a second',
  );
  t.equal(s3.breaker.state(), 'open', 'three failures in a row opened it');
  t.ok((tries.at(-1) ?? Infinity) < 50, 'and then it fails at once');
  const upload = await timed(
    () =>
      store
        .put(`${key}-2`, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })
        .catch((error: unknown) => error),
    10_000,
  );
  t.type(upload.value, EngineUnavailableError, 'an upload is refused at once while it is open');
  t.ok(upload.ms < 50, `in ${String(upload.ms)} ms`);

  await proxy.restore();
  const back = await waitFor(
    async () => (await store.head(key).catch(() => undefined))?.size,
    15_000,
    'S3 to answer through the breaker again',
  );
  t.equal(back, 10, 'a trial call closed it once S3 answered');
});

t.test('the analytics database silent: a query fails within the timeout, then at once', async (t) => {
  const server = await silentServer();
  t.teardown(server.close);
  const analytics = connectPostgres(
    'analytics',
    `postgres://mindflow:mindflow@127.0.0.1:${String(server.port)}/mindflow_analytics`,
    2,
    createBreaker({ engine: 'analytics-db', timeoutMs: 300, logger: silentLogger() }),
  );
  t.teardown(analytics.close);
  const tries = await failingTries(t, () => sql`select 1`.execute(analytics.db), 'analytics queries:');
  t.ok(
    tries.every((ms) => ms < 1_000),
    'each within a second',
  );
  t.equal(analytics.breaker?.state(), 'open');
  t.ok((tries.at(-1) ?? Infinity) < 50, 'at once while open');
});
