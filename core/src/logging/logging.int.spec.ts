import { Writable } from 'node:stream';
import { sql } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { createLogger } from './index.js';

const canary = 'canary-7f3a private words';
const { db, drop } = await createTestDatabase<{ notes: { body: string | null; title: string } }>('read', 2);
t.teardown(drop);
await sql`create table notes (body text not null, title text)`.execute(db);

/** Logs `error` under `key` through a logger whose lines the test reads back. */
async function logged(key: 'err' | 'error', error: unknown): Promise<string> {
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  createLogger({ level: 'info', pretty: false }, 'test', capture).error({ [key]: error }, 'it failed');
  await new Promise((resolve) => setImmediate(resolve));
  return lines.join('');
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

t.test('a database error that quotes its data is logged without the data, with what says why', async (t) => {
  const cases = [
    // `where` quotes the JSON given: "JSON data, line 1: {"content":"canary…"
    failure(() => sql`select ${JSON.stringify({ content: `${canary} \ud800` })}::jsonb`.execute(db)),
    // `detail` quotes the row: "Failing row contains (null, canary…)"
    failure(() => sql`insert into notes (body, title) values (null, ${canary})`.execute(db)),
  ];
  for (const error of await Promise.all(cases)) {
    t.match(JSON.stringify(error, Object.getOwnPropertyNames(error)), canary, 'the driver error itself quotes it');
    for (const key of ['err', 'error'] as const) {
      const line = await logged(key, new Error('applying the batch failed', { cause: error }));
      t.notMatch(line, 'canary', `no data in the line (${key}, as a cause)`);
      const direct = await logged(key, error);
      t.notMatch(direct, 'canary', `no data in the line (${key})`);
      t.match(JSON.parse(direct), {
        [key]: { type: 'DatabaseError', code: /^[0-9A-Z]{5}$/, message: /json|null value/ },
      });
    }
  }
});

t.test('a request line carries the path, never the query string (signatures, search words, e-mails)', async (t) => {
  const { createHttpServer } = await import('../http/index.js');
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false }, 'test', capture);
  const app = await createHttpServer({ logger, title: 't', version: '0', readiness: [] });
  app.get('/v1/blobs/*', async () => ({ ok: true }));
  await app.inject({
    method: 'GET',
    url: '/v1/blobs/attachments/a.png?expires=1&signature=sig-canary&q=word-canary&email=ana%40example.com',
  });
  await new Promise((resolve) => setImmediate(resolve));
  const logged = lines.join('');
  t.match(logged, '/v1/blobs/attachments/a.png', 'the path is there');
  t.notMatch(logged, /canary|example\.com|signature|expires/, 'nothing from the query string');
});
