import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { aiWorkerForTest } from '@mindflow/ai-worker/testing';
import { writeDueInsights } from '@mindflow/ai-worker';
import { waitFor } from '@mindflow/core/testing';
import { testWriters } from '@mindflow/query-service/testing';
import t, { type Test } from 'tap';

// The whole platform (commands, projector, reads, ai-worker) on Kafka, with search on
// Elasticsearch, the audit trail on the MongoDB-protocol server, the cache in Redis and files in a folder.
const ai = await aiWorkerForTest({ platform: { kafka: true, search: 'elasticsearch', audit: 'mongodb' } });
t.teardown(ai.close);
const { app } = ai.platform;
const run = promisify(execFile);

const canary = `canary${randomUUID().replaceAll('-', '')}`;
const found = (text: string) => text.toLowerCase().includes(canary.toLowerCase());

/** Every PostgreSQL database of the platform, dumped, and whether the canary is in any. */
async function inPostgres(): Promise<string[]> {
  const hits: string[] = [];
  for (const [name, url] of [
    ['write', ai.platform.writeUrl],
    ['read', ai.platform.readUrl],
    ['analytics', ai.platform.analyticsUrl],
  ] as const) {
    const dump = await run('pg_dump', ['--data-only', url], { maxBuffer: 512 * 1024 * 1024 });
    if (found(dump.stdout)) hits.push(name);
  }
  return hits;
}

/** Every message of the platform's topic, read from the start: how many, and whether any shows the canary. */
async function inKafka(): Promise<{ messages: number; found: boolean }> {
  const bus = ai.platform.bus;
  if (bus === undefined) throw new Error('no Kafka');
  const admin = bus.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(bus.topic);
  await admin.disconnect();
  const wanted = new Map(ends.map((end) => [end.partition, Number(end.high)]));
  const consumer = bus.kafka.consumer({ groupId: `test.canary.${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: bus.topic, fromBeginning: true });
  let messages = 0;
  let seen = false;
  const reached = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if ([...wanted].every(([partition, high]) => (reached.get(partition) ?? 0) >= high)) resolve();
    };
    check();
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          messages += 1;
          if (found(message.value?.toString('latin1') ?? '') || found(message.key?.toString() ?? '')) seen = true;
          reached.set(partition, Number(message.offset) + 1);
          check();
          await Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { messages, found: seen };
}

/** The keys of the platform's Redis database whose name or string value shows the canary. */
async function inRedis(): Promise<string[]> {
  const hits: string[] = [];
  for (const key of await ai.platform.redis.keys('*')) {
    if (found(key)) hits.push(key);
    else if ((await ai.platform.redis.type(key)) === 'string' && found((await ai.platform.redis.get(key)) ?? ''))
      hits.push(key);
  }
  return hits;
}

async function inBlobs(): Promise<boolean> {
  for await (const key of ai.platform.blobs.list('')) {
    const body = await ai.platform.blobs.get(key);
    if (body === undefined) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    if (found(Buffer.concat(chunks).toString('latin1'))) return true;
  }
  return false;
}

async function inSearch(): Promise<boolean> {
  const search = ai.platform.elasticsearch;
  if (search === undefined) throw new Error('no search index');
  await search.client.indices.refresh({ index: search.alias });
  const hits = await search.client.search({ index: search.alias, q: canary, size: 10 });
  const all = await search.client.search({ index: search.alias, query: { match_all: {} }, size: 1000 });
  return hits.hits.hits.length > 0 || found(JSON.stringify(all.hits.hits));
}

async function inAudit(): Promise<boolean> {
  for await (const record of ai.platform.audit.stream({})) if (found(JSON.stringify(record))) return true;
  for (const collection of ['application_logs', 'api_requests'] as const) {
    if (found(JSON.stringify(await ai.platform.audit.readLogs(collection, 10_000)))) return true;
  }
  return false;
}

/** Uploads a small PDF named after the canary (its body holds it too) to an entry. */
async function uploadPdf(token: string, entryId: string, headers: Record<string, string> = {}, remoteAddress?: string) {
  const boundary = `----mindflow${randomUUID()}`;
  return app.inject({
    method: 'POST',
    url: `/v1/entries/${entryId}/attachments`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      ...headers,
    },
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${canary}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      Buffer.from(`%PDF-1.7\n${canary}\n%%EOF`),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
}

t.test('after erasure, a canary the user wrote is nowhere', async (t) => {
  const [eve, other] = await testWriters(app, 2);
  if (eve === undefined || other === undefined) throw new Error('writers');
  const written = await eve.write({
    date: '2026-11-17',
    title: `Notes ${canary}`,
    content: `Today I walked along the river thinking about ${canary} and the quiet garden. It was a calm day.`,
    tags: [canary],
    location: `Café ${canary}`,
    mood: 'happy',
  });
  await eve.write({ date: '2026-11-18', title: 'More', content: `The garden again, and ${canary} once more.` });
  await other.write({ date: '2026-11-18', title: 'Unrelated', content: 'Nothing to do with anyone else.' });
  const uploaded = await uploadPdf(eve.token, written.id);
  t.equal(uploaded.statusCode, 201);
  await eve.command('POST', '/v1/insights', { type: 'custom', from: '2026-11-16', to: '2026-11-22' });
  await waitFor(
    async () => ((await writeDueInsights(ai.insights)).written > 0 ? true : undefined),
    15_000,
    'an insight',
  );
  // A template and a prompt of their own hold the canary too: sealed in the events, gone with the rest.
  await eve.command('POST', '/v1/templates', { name: `Mine ${canary}`, title: 'Evening', content: `About ${canary}.` });
  const prompt = await eve.command('POST', '/v1/prompts', { text: `What would ${canary} say?` });
  await ai.platform.settle(prompt.position);
  const last = Number((await eve.get('/v1/entries')).headers['x-position']);
  await ai.platform.settle(last);

  // The test can fail: before erasure the canary is everywhere it should be.
  t.same(await inPostgres(), ['write', 'read', 'analytics'], 'before: written, read, and in analytics (tags)');
  t.ok(await inSearch(), 'before: in the search index');
  t.ok(await inBlobs(), 'before: in the attachment');
  const before = await inKafka();
  t.ok(before.messages > 10, `the topic holds the events (${String(before.messages)})`);
  t.notOk(before.found, 'and shows the canary nowhere: personal fields travel sealed');

  const erasedEmail = (await eve.get('/v1/me')).json<{ email: string }>().email;
  const wrong = await app.inject({
    method: 'DELETE',
    url: '/v1/me',
    headers: { authorization: `Bearer ${eve.token}` },
    payload: { password: 'not the password' },
  });
  t.equal(wrong.statusCode, 403, 'the wrong password erases nothing');
  t.equal((await eve.get('/v1/entries')).statusCode, 200);

  const erased = await app.inject({
    method: 'DELETE',
    url: '/v1/me',
    headers: { authorization: `Bearer ${eve.token}` },
    payload: { password: 'correct horse battery', reason: `leaving ${canary}` },
  });
  t.equal(erased.statusCode, 202);
  const receipt = erased.json<{ position: number; writeDatabase: Record<string, number>; blobs: number }>();
  t.match(receipt, { dataKey: 'destroyed', blobs: 1, writeDatabase: { journal_entries: 2, attachments: 1 } });
  t.notOk(found(erased.body), 'the receipt says what, never the words');

  // Disabled: no login, no writes at once; no reads within a second (another process's
  // session cache lives 500 ms), whatever token is held.
  const erasedAt = performance.now();
  await waitFor(
    async () => ((await eve.get('/v1/entries')).statusCode === 401 ? true : undefined),
    1_000,
    'reads with the erased user’s token to be refused',
  );
  t.pass(`reads refused ${Math.round(performance.now() - erasedAt)} ms after the erasure answered`);
  const write = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${eve.token}` },
    payload: { date: '2026-11-19', title: 'after', content: 'after' },
  });
  t.equal(write.statusCode, 401);
  const email = erasedEmail;
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: 'correct horse battery' },
  });
  t.equal(login.statusCode, 401, 'no login');

  await ai.platform.settle(receipt.position);
  await projectionsErased(t, { search: false });
  t.same(await inPostgres(), [], 'in no PostgreSQL database (pg_dump of write, read, analytics)');
  t.notOk(await inSearch(), 'not in Elasticsearch');
  t.notOk(await inAudit(), 'not in the audit trail, application logs or API requests (MongoDB)');
  t.same(await inRedis(), [], 'not in Redis');
  t.notOk(await inBlobs(), 'not in the blob store');
  const after = await inKafka();
  t.ok(after.messages > before.messages, 'the erasure went through Kafka too');
  t.notOk(after.found, 'not readable in the Kafka topic (its events are sealed with a key that no longer exists)');
  t.equal((await other.get('/v1/entries')).json<{ items: unknown[] }>().items.length, 1, 'the other user keeps theirs');
});

/** The projected stores that still show the canary: PostgreSQL databases, the audit trail, search, Redis keys. */
async function stillShowing(options: { search: boolean }): Promise<string[]> {
  return [
    ...(await inPostgres()),
    ...((await inAudit()) ? ['audit'] : []),
    ...(options.search && (await inSearch()) ? ['search'] : []),
    ...(await inRedis()).map((key) => `redis ${key}`),
  ];
}

/** Waits (30 s at most) for the projections to erase the canary from every store `stillShowing` reads. */
async function projectionsErased(t: Test, options: { search: boolean }): Promise<void> {
  await waitFor(
    async () => ((await stillShowing(options)).length === 0 ? true : undefined),
    30_000,
    'the projections to erase',
  ).catch(async (error: unknown) => {
    t.comment(`still in: ${JSON.stringify(await stillShowing(options))}`);
    throw error;
  });
}

/** The user's events in the order every reader of the log gets them (readAll: commit order). */
async function eventsInLogOrder(userId: string): Promise<string[]> {
  const { stdout } = await run('psql', [
    ai.platform.writeUrl,
    '-Atc',
    `select type from events where user_id = '${userId}' order by transaction_id, global_position`,
  ]);
  return stdout.split('\n').filter((line) => line !== '');
}

t.test(
  'erased while commands of theirs are in flight: nothing of theirs follows UserErased, nothing is left',
  async (t) => {
    const writers = await testWriters(app, 3);
    // Every in-flight request carries the canary in its address and its user agent too.
    const headers = { 'user-agent': `MindFlowTest/1.0 (${canary})` };
    const remoteAddress = `203.0.113.9-${canary}`;
    const statuses = new Map<number, number>();
    let after = 0;
    for (const [n, writer] of writers.entries()) {
      const entries: { id: string }[] = [];
      for (let day = 1; day <= 6; day++) {
        entries.push(
          await writer.write({
            date: `2026-10-0${String(day)}`,
            title: `Day ${canary}`,
            content: `About ${canary}, day ${String(day)}.`,
          }),
        );
      }
      const request = (
        method: 'POST' | 'PATCH' | 'DELETE',
        url: string,
        payload?: object,
        extra: Record<string, string> = {},
      ) =>
        app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${writer.token}`, ...headers, ...extra },
          remoteAddress,
          ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
        });
      // Commands of every kind, launched one after another all through the erasure (paced by the
      // event loop, so some are in flight at each of its steps), with the erasure among them.
      const kinds = (i: number) => {
        const entry = entries[i % entries.length];
        if (entry === undefined) throw new Error('entries');
        switch (i % 5) {
          case 0:
            return request('POST', '/v1/entries', {
              date: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`,
              title: `New ${canary}`,
              content: `More ${canary}`,
            });
          case 1:
            return request(
              'PATCH',
              `/v1/entries/${entry.id}`,
              { content: `Changed ${canary} ${String(i)}` },
              { 'if-match': '"1"' },
            );
          case 2:
            return request('DELETE', `/v1/entries/${entry.id}`);
          case 3:
            return request('POST', `/v1/entries/${entry.id}/restore`);
          default:
            return i % 10 === 4
              ? uploadPdf(writer.token, entry.id, headers, remoteAddress)
              : request('POST', `/v1/entries/${entry.id}/restore`);
        }
      };
      const inFlight = Array.from({ length: 10 }, (_, i) => kinds(i));
      const erasing = request('DELETE', '/v1/me', { password: 'correct horse battery', reason: null });
      const state = { erased: false };
      void erasing.finally(() => (state.erased = true));
      for (let i = 10; !state.erased && i < 400; i++) {
        inFlight.push(kinds(i));
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let i = 0; i < 10; i++) inFlight.push(kinds(i));
      const answers = await Promise.all(inFlight);
      const erasure = await erasing;
      for (const answer of answers.filter((a) => a.statusCode >= 500)) t.comment(`500: ${answer.body}`);
      for (const answer of answers) statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
      t.equal(erasure.statusCode, 202, `writer ${String(n)} erased`);
      const types = await eventsInLogOrder(writer.id);
      const erasedAt = types.indexOf('UserErased');
      t.ok(erasedAt >= 0, 'UserErased is in the log');
      after += types.length - erasedAt - 1;
      t.same(types.slice(erasedAt + 1), [], `writer ${String(n)}: no event follows UserErased in log order`);
      const position = erasure.json<{ position: number }>().position;
      await ai.platform.settle(position);
    }
    t.comment(
      `answers by status: ${JSON.stringify(Object.fromEntries(statuses))}; events after UserErased: ${String(after)}`,
    );
    t.notOk(statuses.has(500), 'no command failed with 500');
    t.ok(
      [...statuses.keys()].every((status) => [200, 201, 202, 401, 404, 409, 412].includes(status)),
      'only meaningful answers',
    );

    await projectionsErased(t, { search: true });
    t.same(await inPostgres(), [], 'in no PostgreSQL database');
    t.notOk(await inSearch(), 'not in Elasticsearch');
    t.notOk(await inAudit(), 'not in the audit trail, application logs or API requests');
    t.same(await inRedis(), [], 'not in Redis');
    t.notOk(await inBlobs(), 'not in the blob store');
    t.notOk((await inKafka()).found, 'not readable in the Kafka topic');
  },
);
