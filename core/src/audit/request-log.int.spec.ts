import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { createLogger } from '../logging/index.js';
import { waitFor } from '../testing/index.js';
import { logStoreAdapters } from './log-stores.testing.js';
import { installRequestLog, type RequestLog, type RequestLogOptions } from './request-log.js';
import { redacted } from './sanitize.js';
import type { ApiRequest, AuditStore } from './types.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

/** A server with a login, an entry command and a search, its requests logged into `store`. */
async function server(
  store: Pick<AuditStore, 'appendApiRequests'>,
  options: Partial<RequestLogOptions> = {},
): Promise<{ app: HttpServer; log: RequestLog }> {
  const app = await createHttpServer({ logger, title: 'test', version: '0.0.0', readiness: [] });
  const log = installRequestLog(app, {
    store,
    service: 'test-service',
    logger,
    userOf: (request) => (request.headers.authorization === undefined ? null : 'u-ana'),
    ...options,
  });
  app.post(
    '/v1/auth/login',
    {
      schema: {
        body: Type.Object({ email: Type.String(), password: Type.String() }, { additionalProperties: false }),
      },
    },
    async () => ({ accessToken: 'issued', refreshToken: 'issued' }),
  );
  app.post(
    '/v1/auth/refresh',
    { schema: { body: Type.Object({ refreshToken: Type.String() }, { additionalProperties: false }) } },
    async () => ({ accessToken: 'issued' }),
  );
  app.post(
    '/v1/entries',
    {
      schema: {
        body: Type.Object(
          {
            title: Type.String(),
            content: Type.String(),
            mood: Type.String(),
            date: Type.String(),
            tags: Type.Array(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (_request, reply) => reply.status(201).send({ id: 'e-1', version: 1 }),
  );
  app.get(
    '/v1/search',
    { schema: { querystring: Type.Object({ q: Type.String(), mood: Type.Optional(Type.String()) }) } },
    async () => ({ items: [] }),
  );
  return { app, log };
}

for (const adapter of logStoreAdapters) {
  t.test(adapter.name, async (t) => {
    const { store, clear, close } = await adapter.open();
    t.teardown(close);
    t.afterEach(clear);
    const requests = () => store.readLogs('api_requests', 1000);

    t.test('requests are logged with no password, token, journal text or search words', async (t) => {
      const canary = `canary-${randomUUID()}`;
      const { app, log } = await server(store);
      const bearer = { authorization: `Bearer ${canary}`, 'idempotency-key': canary, cookie: `sid=${canary}` };
      const login = await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: `${canary}@example.com`, password: canary },
      });
      t.equal(login.statusCode, 200);
      await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: canary } });
      const created = await app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: bearer,
        payload: { title: canary, content: canary, mood: 'happy', date: '2026-11-22', tags: [canary] },
      });
      t.equal(created.statusCode, 201);
      await app.inject({ method: 'GET', url: `/v1/search?q=${canary}&mood=calm`, headers: bearer });
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: bearer,
        payload: { title: canary, mood: 'sad', [canary]: canary },
      });
      t.equal(refused.statusCode, 400);
      await app.inject({ method: 'GET', url: '/healthz' });
      await app.inject({ method: 'GET', url: '/metrics' });
      await log.flush();

      const rows = await requests();
      t.notMatch(JSON.stringify(rows), canary, 'no canary anywhere in api_requests');
      t.same(
        rows.map((row) => row.path),
        ['/v1/auth/login', '/v1/auth/refresh', '/v1/entries', '/v1/search', '/v1/entries'],
        'one row per request, in order; health and metrics left out',
      );
      t.match(rows, [
        {
          service: 'test-service',
          method: 'POST',
          status: 200,
          query: {},
          body: { email: redacted, password: redacted },
          userId: null,
          ip: '127.0.0.1',
        },
        { body: { refreshToken: redacted } },
        {
          status: 201,
          body: { title: redacted, content: redacted, mood: 'happy', date: '2026-11-22', tags: [redacted] },
          userId: 'u-ana',
          requestId: created.headers['x-request-id'],
        },
        { method: 'GET', query: { q: redacted, mood: 'calm' }, body: null, status: 200, userId: 'u-ana' },
        { status: 400, body: { title: redacted, mood: 'sad', '[key 1]': redacted } },
      ]);
      for (const row of rows) {
        t.type(row.time, Date);
        t.ok(typeof row.durationMs === 'number' && row.durationMs > 0, 'a duration');
        t.ok(typeof row.responseBytes === 'number' && row.responseBytes > 0, 'a response size');
        t.ok(typeof row.requestId === 'string' && row.requestId.length > 0, 'a request id');
      }
      await app.close();
    });

    t.test('valid JSON that is not text, refused at the door, is logged as text with the batch it is in', async (t) => {
      const { app, log } = await server(store, { flushMs: 600_000 });
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { 'content-type': 'application/json' },
        payload: '{"mood":"ha\\ud800ppy","date":"\\udc00"}',
      });
      t.equal(refused.statusCode, 400, 'a lone surrogate is refused');
      await app.inject({ method: 'GET', url: '/v1/search?q=x&mood=calm' });
      await log.flush();
      t.match(await requests(), [
        { status: 400, body: { mood: 'ha\ufffdppy', date: '\ufffd' } },
        { query: { mood: 'calm' } },
      ]);
      await app.close();
    });

    t.test('a full batch is written at once, without waiting for flushMs', async (t) => {
      const { app } = await server(store, { maxBatch: 3, flushMs: 600_000 });
      for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: `/v1/search?q=${i}` });
      await waitFor(async () => ((await requests()).length === 3 ? true : undefined), 5_000, 'the full batch');
      t.pass('written without a flush');
      await app.close();
    });

    t.test('a request waits at most flushMs', async (t) => {
      const { app } = await server(store, { flushMs: 100 });
      await app.inject({ method: 'GET', url: '/v1/search?q=x' });
      await waitFor(async () => ((await requests()).length === 1 ? true : undefined), 5_000, 'the timed write');
      t.pass('written without a flush');
      await app.close();
    });

    t.test('closing the server writes what waits', async (t) => {
      const { app } = await server(store, { flushMs: 600_000 });
      await app.inject({ method: 'GET', url: '/v1/search?q=x' });
      t.same(await requests(), [], 'nothing yet');
      await app.close();
      t.equal((await requests()).length, 1);
    });
  });
}

t.test('a failing store never fails a request: the batch is dropped, counted and reported', async (t) => {
  const warnings: unknown[] = [];
  const failing = {
    appendApiRequests: async () => {
      throw new Error('store down');
    },
  };
  const { app, log } = await server(failing, { logger: { warn: (details: unknown) => warnings.push(details) } });
  const response = await app.inject({ method: 'GET', url: '/v1/search?q=x' });
  t.equal(response.statusCode, 200);
  await log.flush();
  t.equal(log.dropped(), 1);
  t.match(warnings, [{ lost: 1, err: { message: 'store down' } }]);
  await app.close();
});

t.test('beyond maxBuffered waiting requests, new ones are dropped and counted', async (t) => {
  const written: ApiRequest[] = [];
  const recording = {
    appendApiRequests: async (batch: readonly ApiRequest[]) => {
      written.push(...batch);
    },
  };
  const { app, log } = await server(recording, { maxBuffered: 2, flushMs: 600_000 });
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: `/v1/search?q=${i}` });
  t.equal(log.dropped(), 3);
  await log.flush();
  t.equal(written.length, 2);
  await app.close();
});
