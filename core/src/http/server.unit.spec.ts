import { Type } from '@sinclair/typebox';
import t from 'tap';
import { AppError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { connectPostgres } from '../postgres/index.js';
import { createHttpServer, type HttpServer } from './index.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

async function server(readiness: Parameters<typeof createHttpServer>[0]['readiness'] = []): Promise<HttpServer> {
  const app = await createHttpServer({ logger, title: 'test', version: '0.0.0', readiness });
  app.post(
    '/v1/things',
    {
      schema: {
        body: Type.Object(
          { title: Type.String({ minLength: 1, maxLength: 5 }), count: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ title: request.body.title, count: request.body.count }),
  );
  app.get(
    '/v1/things/:name',
    { schema: { params: Type.Object({ name: Type.String() }), querystring: Type.Object({ prefix: Type.String() }) } },
    async (request) => ({ name: request.params.name, prefix: request.query.prefix }),
  );
  app.get('/v1/conflict', async () => {
    throw new AppError('CONFLICT', 'an entry already exists for 2026-11-22');
  });
  app.get('/v1/crash', async () => {
    throw new Error('secret internals');
  });
  return app;
}

t.test('a body that breaks its schema is a 400 VALIDATION_FAILED listing every problem', async (t) => {
  const app = await server();
  const response = await app.inject({ method: 'POST', url: '/v1/things', payload: { title: '', count: -1, extra: 1 } });
  t.equal(response.statusCode, 400);
  const body = response.json<{ error: { code: string; details: { path: string; property?: string }[] } }>();
  t.equal(body.error.code, 'VALIDATION_FAILED');
  t.same(body.error.details.map((d) => d.path).sort(), ['/', '/count', '/title']);
  t.ok(
    body.error.details.some((d) => d.property === 'extra'),
    'names the unknown property',
  );
});

t.test('a NUL character anywhere in the body is a 400 naming where, not a database error', async (t) => {
  const app = await server();
  const response = await app.inject({ method: 'POST', url: '/v1/things', payload: { title: 'a\u0000b', count: 1 } });
  t.equal(response.statusCode, 400);
  t.match(response.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: '/title' }] } });
});

t.test('valid JSON that is not text (a lone surrogate) is a 400 naming where, in a value or a key', async (t) => {
  const app = await server();
  for (const [payload, path] of [
    ['{"title":"x\\ud800y","count":1}', '/title'],
    ['{"title":"ok","count":1,"\\udc00":1}', '/\udc00'],
  ] as const) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    t.equal(response.statusCode, 400, payload);
    t.match(response.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path }] } });
  }
  const pair = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { 'content-type': 'application/json' },
    payload: '{"title":"\\ud83d\\ude00","count":1}',
  });
  t.equal(pair.statusCode, 200, 'a surrogate pair is a character');
});

t.test('U+0000 in the query string or the path is a 400 too, never a database error', async (t) => {
  const app = await server();
  const query = await app.inject({ method: 'GET', url: '/v1/things/a?prefix=x%00' });
  t.equal(query.statusCode, 400);
  t.match(query.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: 'querystring/prefix' }] } });
  const param = await app.inject({ method: 'GET', url: '/v1/things/a%00b?prefix=x' });
  t.equal(param.statusCode, 400);
  t.match(param.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: 'params/name' }] } });
  const fine = await app.inject({ method: 'GET', url: '/v1/things/a?prefix=%C3%A9' });
  t.same(fine.json(), { name: 'a', prefix: 'é' });
});

t.test('JSON nested deeper than any request needs is a 400, not a stack overflow', async (t) => {
  const app = await server();
  for (const depth of [65, 60_000]) {
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/things',
        headers: { 'content-type': 'application/json' },
        payload: open.repeat(depth) + '1' + close.repeat(depth),
      });
      t.equal(response.statusCode, 400, `${open} nested ${depth} deep`);
      t.equal(response.json<{ error: { code: string } }>().error.code, 'MALFORMED_REQUEST');
    }
  }
  const brackets = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ title: '[[[[{{{{'.repeat(100), count: 1 }),
  });
  t.equal(brackets.statusCode, 400, 'brackets inside a string are text, not depth');
  t.equal(brackets.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED');
});

t.test('every answer carries the browser security headers; nothing may frame a page', async (t) => {
  const app = await server();
  for (const url of ['/healthz', '/v1/conflict', '/v1/crash', '/nowhere', '/docs/']) {
    const response = await app.inject({ method: 'GET', url });
    t.equal(response.headers['x-content-type-options'], 'nosniff', url);
    t.equal(response.headers['referrer-policy'], 'no-referrer', url);
    t.equal(response.headers['x-frame-options'], 'SAMEORIGIN', url);
    t.equal(response.headers['cross-origin-opener-policy'], 'same-origin', url);
    t.match(response.headers['strict-transport-security'], /^max-age=\d+; includeSubDomains$/, url);
    t.match(response.headers['content-security-policy'], /default-src 'self'/, url);
    if (!url.startsWith('/docs')) t.match(response.headers['content-security-policy'], /frame-ancestors 'none'/, url);
  }
  t.equal((await app.inject({ method: 'GET', url: '/docs/' })).statusCode, 200, 'the API docs still load');
});

t.test("images may come from the S3 store's signed links, and from nowhere else outside", async (t) => {
  const plain = await createHttpServer({ logger, title: 'test', version: '0.0.0', readiness: [] });
  t.match((await plain.inject({ url: '/healthz' })).headers['content-security-policy'], /img-src 'self' data: blob:;/);
  const withStore = await createHttpServer({
    logger,
    title: 'test',
    version: '0.0.0',
    readiness: [],
    imageOrigins: ['http://127.0.0.1:59000'],
  });
  t.match(
    (await withStore.inject({ url: '/healthz' })).headers['content-security-policy'],
    /img-src 'self' data: blob: http:\/\/127\.0\.0\.1:59000;/,
  );
});

t.test('/metrics: loopback only without a token; with one, only for its bearer, from anywhere', async (t) => {
  const open = await server();
  t.equal((await open.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'loopback');
  const outside = await open.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
  t.equal(outside.statusCode, 401, 'another address');
  t.notMatch(outside.body, 'http_request_duration_seconds');
  const guarded = await createHttpServer({
    logger,
    title: 't',
    version: '0',
    readiness: [],
    metricsToken: 'x'.repeat(32),
  });
  for (const [authorization, status] of [
    [undefined, 401],
    ['Bearer wrong', 401],
    [`Bearer ${'x'.repeat(31)}`, 401],
    [`Bearer ${'x'.repeat(32)}`, 200],
  ] as const) {
    const response = await guarded.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '10.1.2.3',
      headers: authorization === undefined ? {} : { authorization },
    });
    t.equal(response.statusCode, status, authorization ?? 'no token');
  }
});

t.test('malformed JSON and an unsupported media type get their own codes, never a 500', async (t) => {
  const app = await server();
  const malformed = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { 'content-type': 'application/json' },
    payload: '{"title": ',
  });
  t.equal(malformed.statusCode, 400);
  t.equal(malformed.json<{ error: { code: string } }>().error.code, 'MALFORMED_REQUEST');
  const text = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { 'content-type': 'text/csv' },
    payload: 'a,b',
  });
  t.equal(text.statusCode, 415);
  t.equal(text.json<{ error: { code: string } }>().error.code, 'UNSUPPORTED_MEDIA_TYPE');
});

t.test('an AppError keeps its code and status; an unexpected error is a 500 that reveals nothing', async (t) => {
  const app = await server();
  const conflict = await app.inject({ method: 'GET', url: '/v1/conflict' });
  t.equal(conflict.statusCode, 409);
  t.same(conflict.json(), { error: { code: 'CONFLICT', message: 'an entry already exists for 2026-11-22' } });
  const crash = await app.inject({ method: 'GET', url: '/v1/crash', headers: { 'x-request-id': 'req-42' } });
  t.equal(crash.statusCode, 500);
  t.equal(crash.headers['x-request-id'], 'req-42', 'the request id comes back');
  t.notMatch(crash.body, /secret internals/);
  t.equal(crash.json<{ error: { code: string } }>().error.code, 'INTERNAL');
});

t.test('unknown routes are a JSON 404', async (t) => {
  const app = await server();
  const response = await app.inject({ method: 'GET', url: '/v1/nothing?x=1' });
  t.equal(response.statusCode, 404);
  t.same(response.json(), { error: { code: 'NOT_FOUND', message: 'No route GET /v1/nothing' } });
});

t.test('a path the API has, with a method it does not, is a 405 with Allow, answered before any body', async (t) => {
  const app = await server();
  app.post('/v1/things/:name/uploads', async () => ({}));
  for (const [method, url, allow] of [
    ['DELETE', '/v1/things', 'POST'],
    ['PUT', '/v1/things/x', 'GET, HEAD'],
    ['GET', '/v1/things/x/uploads', 'POST'],
  ] as const) {
    const response = await app.inject({
      method,
      url,
      payload: 'not json',
      headers: { 'content-type': 'text/x-nothing' },
    });
    t.equal(response.statusCode, 405, `${method} ${url}`);
    t.equal(response.headers.allow, allow);
    t.equal(response.json<{ error: { code: string } }>().error.code, 'METHOD_NOT_ALLOWED');
  }
  const unknown = await app.inject({ method: 'TRACE', url: '/v1/nothing' });
  t.equal(unknown.statusCode, 404, 'an unknown path stays 404');
});

t.test('bodies are not coerced: a number is not a string; query strings still are', async (t) => {
  const app = await server();
  const body = await app.inject({ method: 'POST', url: '/v1/things', payload: { title: 12, count: 1 } });
  t.equal(body.statusCode, 400, 'a number where the body wants a string');
  const query = await app.inject({ method: 'GET', url: '/v1/things/x?prefix=12' });
  t.same(query.json(), { name: 'x', prefix: '12' });
});

t.test('/healthz answers; /readyz is 503 naming the dependency that does not answer', async (t) => {
  const unreachable = connectPostgres('postgres:write', 'postgres://nobody:x@127.0.0.1:1/none', 1);
  t.teardown(() => unreachable.close());
  const app = await server([
    { name: 'always', check: async () => undefined },
    { name: 'projection:read-model', check: async () => '0 event(s) behind' },
    unreachable.health,
  ]);
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { ok: true, checks: [] });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  const report = ready.json<{ ok: boolean; checks: { name: string; ok: boolean; error?: string }[] }>();
  t.equal(report.ok, false);
  t.match(report.checks, [
    { name: 'always', ok: true },
    { name: 'projection:read-model', ok: true, detail: '0 event(s) behind' },
    { name: 'postgres:write', ok: false, error: /ECONNREFUSED|connect/ },
  ]);
});

t.test('/healthz is 503 naming a liveness check that fails, and 200 again once it passes', async (t) => {
  const app = await server();
  let problem: string | undefined = 'search: its consumer stopped and is not restarted';
  app.liveness.push({
    name: 'event bus consumers',
    check: async () => {
      if (problem !== undefined) throw new Error(problem);
    },
  });
  const down = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), {
    ok: false,
    checks: [{ name: 'event bus consumers', ok: false, error: /search: its consumer stopped/ }],
  });
  problem = undefined;
  const up = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(up.statusCode, 200);
  t.match(up.json(), { ok: true, checks: [{ name: 'event bus consumers', ok: true }] });
});

t.test('/readyz stays 200 while only a degraded dependency fails, and names it', async (t) => {
  const app = await server([
    { name: 'postgres:write', check: async () => undefined },
    {
      name: 'redis',
      impact: 'degraded',
      check: async () => {
        throw new Error('redis is unavailable: circuit open');
      },
    },
  ]);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), {
    ok: true,
    degraded: ['redis'],
    checks: [{ name: 'postgres:write', ok: true }, { ok: false }],
  });
});

t.test('/metrics serves Prometheus text with request durations by route', async (t) => {
  const app = await server();
  await app.inject({ method: 'GET', url: '/v1/conflict' });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(
    metrics.body,
    /http_request_duration_seconds_count\{method="GET",route="\/v1\/conflict",status_code="409"\} 1/,
  );
  t.match(metrics.body, /process_cpu_user_seconds_total/);
});

t.test('/openapi.json documents the routes; /docs serves the browser', async (t) => {
  const app = await server();
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    openapi: string;
    paths: Record<string, unknown>;
    components: { schemas: Record<string, { title?: string }> };
  }>();
  t.equal(spec.openapi, '3.1.0');
  t.ok(spec.paths['/v1/things'], 'a route is documented');
  t.ok(spec.paths['/readyz'], 'operations are documented');
  t.ok(
    Object.values(spec.components.schemas).some((schema) => schema.title === 'ErrorBody'),
    'the error body is a shared schema',
  );
  t.equal((await app.inject({ method: 'GET', url: '/docs/' })).statusCode, 200);
});
