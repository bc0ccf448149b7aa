import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createLogger } from '../logging/index.js';
import { createHttpServer, serveWebApp } from './index.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

async function server(dir: string) {
  const app = await createHttpServer({ logger, title: 'test', version: '0.0.0', readiness: [] });
  app.get('/v1/things', async () => ({ items: [] }));
  await serveWebApp(app, dir);
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

t.test('the built client: files, index.html for client routes, caching, the API untouched', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mindflow-web-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>MindFlow</title>');
  await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'favicon.svg'), '<svg/>');
  const app = await server(dir);

  for (const url of ['/', '/today', '/entries?cursor=x', '/some/deep/route']) {
    const page = await app.inject({ url });
    t.equal(page.statusCode, 200, url);
    t.match(page.headers['content-type'], /text\/html/, url);
    t.equal(page.headers['cache-control'], 'no-cache', url);
    t.match(page.body, /<title>MindFlow/, url);
    t.match(page.headers['content-security-policy'], /default-src 'self'/, url);
  }
  const asset = await app.inject({ url: '/assets/index-abc123.js' });
  t.equal(asset.statusCode, 200);
  t.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.equal((await app.inject({ url: '/favicon.svg' })).headers['cache-control'], 'no-cache');

  for (const url of ['/v1/nothing-here', '/v1', '/assets/gone-123.js', '/missing.png']) {
    const missing = await app.inject({ url });
    t.equal(missing.statusCode, 404, url);
    t.equal(missing.json<{ error: { code: string } }>().error.code, 'NOT_FOUND', url);
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/nothing-here' })).statusCode, 404);
  t.equal((await app.inject({ url: '/v1/things' })).json<{ items: [] }>().items.length, 0, 'the API answers');
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'operations routes answer');
  t.equal((await app.inject({ method: 'POST', url: '/assets/index-abc123.js' })).statusCode, 405);
});

t.test('without a build the server starts and / says so in words', async (t) => {
  const app = await server(path.join(tmpdir(), 'mindflow-no-such-build'));
  const page = await app.inject({ url: '/today' });
  t.equal(page.statusCode, 503);
  t.match(page.json(), { error: { code: 'UNAVAILABLE', message: /not built.*npm run build/ } });
  t.equal((await app.inject({ url: '/v1/nothing' })).statusCode, 404);
  t.equal((await app.inject({ url: '/v1/things' })).statusCode, 200);
});
