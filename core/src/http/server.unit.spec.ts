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

t.test('/healthz answers; /readyz is 503 naming the dependency that does not answer', async (t) => {
  const unreachable = connectPostgres('postgres:write', 'postgres://nobody:x@127.0.0.1:1/none', 1);
  t.teardown(() => unreachable.close());
  const app = await server([{ name: 'always', check: async () => undefined }, unreachable.health]);
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { ok: true });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  const report = ready.json<{ ok: boolean; checks: { name: string; ok: boolean; error?: string }[] }>();
  t.equal(report.ok, false);
  t.match(report.checks, [
    { name: 'always', ok: true },
    { name: 'postgres:write', ok: false, error: /ECONNREFUSED|connect/ },
  ]);
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
