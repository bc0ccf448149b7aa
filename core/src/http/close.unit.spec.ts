import { connect, type Socket } from 'node:net';
import t from 'tap';
import { createLogger } from '../logging/index.js';
import { createHttpServer, type HttpServer } from './index.js';

/** A server with a slow route, listening; `warnings` are the drain's reports of connections cut. */
async function listening(drainMs: number) {
  const warnings: { open: number; drainMs: number }[] = [];
  const logger = createLogger({ level: 'warn', pretty: false }, 'test', {
    write(line: string) {
      const { msg, open, drainMs } = JSON.parse(line) as { msg: string; open: number; drainMs: number };
      if (msg.startsWith('connections still busy')) warnings.push({ open, drainMs });
    },
  });
  const app: HttpServer = await createHttpServer({ logger, title: 'test', version: '0.0.0', readiness: [], drainMs });
  app.get('/v1/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { done: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, port: address.port, warnings };
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

t.test('a client that never finishes its request cannot hold the close past the drain', async (t) => {
  const { app, port, warnings } = await listening(300);
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('connect', resolve));
  // Headers without their blank line: the server waits for the rest, the connection is busy.
  client.write('GET /v1/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 5_000, 'closed after the drain, not never');
  t.same(warnings, [{ open: 1, drainMs: 300 }], 'the connections cut are reported');
  await closed(client);
  t.ok(client.destroyed, 'the busy connection was cut');
});

t.test('a request in flight finishes within the drain and gets its answer', async (t) => {
  const { app, port, warnings } = await listening(5_000);
  const answer = fetch(`http://127.0.0.1:${port}/v1/slow`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await app.close();
  const response = await answer;
  t.equal(response.status, 200);
  t.same(await response.json(), { done: true });
  t.same(warnings, [], 'nothing was cut');
});

t.test('idle keep-alive connections do not delay the close', async (t) => {
  const { app, port, warnings } = await listening(5_000);
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  await response.text();
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 2_000, 'closed without waiting out the drain');
  t.same(warnings, []);
});
