import t from 'tap';
import { rawRequest, silentLogger } from '../testing/index.js';
import { createHttpServer } from './index.js';

// JSON bodies that stop arriving are answered 408 REQUEST_TIMEOUT and their connection closed:
// the server listens for real and a raw socket sends what a broken or hostile client sends.
// Bodies may sit idle for 500 ms here (30 s by default).
const app = await createHttpServer({
  logger: silentLogger(),
  title: 'test',
  version: '0.0.0',
  readiness: [],
  bodyDeadline: { idleMs: 500, totalMs: 4_000 },
});
app.post('/echo', async (request) => ({ got: request.body }));
await app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => app.close());
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;

/** Before: no answer at all within this (Node's own request timeout is 5 minutes). */
const answerWithinMs = 6_000;

/** Sends headers (`length`: a Content-Length or chunked) then `pieces`, `gapMs` apart. */
const send = (length: string, pieces: readonly string[], gapMs = 0) =>
  rawRequest({
    port,
    head: `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n${length}\r\n\r\n`,
    body: pieces,
    gapMs,
    answerWithinMs,
    complete: (answer) => /\r\n\r\n[\s\S]*\}$/.test(answer) && !answer.includes('connection: close'),
  });

const status = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];

t.test('a JSON body short of its Content-Length is answered 408 and closed', async (t) => {
  const { answer, closed, ms } = await send('Content-Length: 100', ['{"title": "half']);
  t.equal(status(answer), '408', `answered in ${String(ms)} ms`);
  t.match(answer, /"code":"REQUEST_TIMEOUT"/);
  t.ok(closed, 'and the connection closed');
});

t.test('a body that never starts is answered 408 too', async (t) => {
  const { answer, closed, ms } = await send('Content-Length: 50', []);
  t.equal(status(answer), '408', `answered in ${String(ms)} ms`);
  t.ok(closed, 'and the connection closed');
});

t.test('a chunked JSON body without its last chunk is answered 408', async (t) => {
  const { answer, ms } = await send('Transfer-Encoding: chunked', ['5\r\n{"a":\r\n']);
  t.equal(status(answer), '408', `answered in ${String(ms)} ms`);
});

t.test('a slow body that keeps arriving is read whole', async (t) => {
  const body = '{"title": "slow but steady"}';
  const pieces = body.match(/.{1,6}/g) ?? [];
  const { answer, ms } = await send(`Content-Length: ${String(body.length)}`, pieces, 300);
  t.equal(status(answer), '200', `answered in ${String(ms)} ms, after ${String(pieces.length)} pieces 300 ms apart`);
  t.match(answer, /slow but steady/);
});

t.test('a request without a body, or answered without reading it, leaves nothing watching it', async (t) => {
  // Before: each one kept a timer polling its body for the idle deadline (30 s by default), and
  // a process whose requests were made in process (`inject`) stayed up that long after its last.
  const quiet = await createHttpServer({ logger: silentLogger(), title: 'test', version: '0.0.0', readiness: [] });
  quiet.get('/ping', async () => ({ ok: true }));
  quiet.post('/echo', async (request) => ({ got: request.body }));
  t.teardown(() => quiet.close());
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  for (let i = 0; i < 20; i += 1) {
    t.equal((await quiet.inject({ method: 'GET', url: '/ping' })).statusCode, 200);
    const echoed = await quiet.inject({ method: 'POST', url: '/echo', payload: { i } });
    t.same(echoed.json(), { got: { i } });
    // Answered without its body being read (415): nothing is left to wait for either.
    const unread = await quiet.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<not-json/>',
    });
    t.equal(unread.statusCode, 415);
  }
  t.ok(timers() - before < 5, `timers running after 60 requests: ${String(timers() - before)} more than before`);
});
