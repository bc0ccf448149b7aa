import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryCache } from '@mindflow/core/cache';
import { createEventCodec, mindflowEvents } from '@mindflow/core/events';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { createDecoder } from '@mindflow/core/projections';
import { readModelProjection, rebuildProjection, writeSide, type ReadModelTables } from '@mindflow/projector';
import { testSecrets } from '@mindflow/command-service/testing';
import { waitFor } from '@mindflow/core/testing';
import { testWriters, type TestWriter } from '@mindflow/query-service/testing';
import { sql } from 'kysely';
import t from 'tap';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { createLocalWriter } from '../providers/local-writer.js';
import { createOpenAiWriter } from '../providers/openai-writer.js';
import { aiWorkerForTest } from '../testing.js';
import { writeDueInsights } from './scheduler.js';

// An OpenAI-compatible server of the test's own: it answers every chat completion and keeps
// what it was sent, so the test can say what reached "the provider".
const received: string[] = [];
const provider = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push(body);
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        choices: [
          { message: { content: JSON.stringify({ summary: 'A steady week.', suggestions: ['Keep going.'] }) } },
        ],
      }),
    );
  });
});
await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => provider.close(() => resolve())));
const providerUrl = `http://127.0.0.1:${String((provider.address() as AddressInfo).port)}/v1`;

const ai = await aiWorkerForTest({
  writer: createOpenAiWriter({
    url: providerUrl,
    model: 'test-model',
    apiKey: 'test-key',
    timeoutMs: 2_000,
    retries: 0,
    cache: createMemoryCache(),
    fallback: createLocalWriter(),
    logger: createLogger({ level: 'silent', pretty: false }, 'test'),
  }),
});
t.teardown(ai.close);
const { app } = ai.platform;
const db = ai.insights.db;
const at = (position: number) => ({ 'x-min-position': String(position) });
const codec = createEventCodec(mindflowEvents);
const keyring = createUserKeyring(testSecrets.masterKey);

interface Insight {
  id: string;
  type: string;
  from: string;
  to: string;
  status: string;
  summary: string | null;
  stats: Record<string, unknown> | null;
}

const settings = (overrides: Record<string, boolean>) => ({
  autoSave: true,
  privateMode: false,
  emailWeeklyInsights: false,
  emailMonthlyInsights: false,
  emailReminderToWrite: false,
  ...overrides,
});

/** Writes entries and waits until the worker has analyzed the last one (its consumer is in order). */
async function writeAll(writer: TestWriter, entries: Record<string, unknown>[]): Promise<void> {
  for (const entry of entries) await writer.write(entry);
  const head = Number(
    (await sql<{ head: string }>`select max(global_position) as head from events`.execute(db)).rows[0]?.head,
  );
  // A bound, not a timing: the embedded bus waits out any long transaction on the whole server.
  await waitFor(async () => (ai.worker.consumer.lastPosition() >= head ? true : undefined), 60_000, 'the worker');
}

/**
 * Schedules start with the period a user registers in. The scheduled tests take the user to have
 * registered in the week of 16 November 2026, whenever they run: the worker's own start of the
 * schedule, before or after this, changes nothing.
 */
async function registeredInNovember(userId: string): Promise<void> {
  await db
    .insertInto('insight_schedule')
    .values([
      { user_id: userId, kind: 'weekly', next_from: '2026-11-16' },
      { user_id: userId, kind: 'monthly', next_from: '2026-11-01' },
    ])
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'kind']).doUpdateSet({ next_from: (eb) => eb.ref('excluded.next_from') }),
    )
    .execute();
}

/** Where the user's schedules stand: the first day of each kind's next period. */
async function schedule(userId: string) {
  return db
    .selectFrom('insight_schedule')
    .select(['kind', sql<string>`next_from::text`.as('next')])
    .where('user_id', '=', userId)
    .orderBy('kind')
    .execute();
}

/** The user's InsightGenerated events, opened. */
async function insightEvents(userId: string) {
  const rows = await sql<RecordedEvent>`
    select event_id as "eventId", type, schema_version as "schemaVersion", stream_id as "streamId",
           stream_version as "streamVersion", global_position::int as "globalPosition",
           transaction_id::text as "transactionId", occurred_at as "occurredAt", user_id as "userId", data, metadata
      from events where type = 'InsightGenerated' and user_id = ${userId} order by global_position`.execute(db);
  const key = await keyring.existingKeyFor(db, userId);
  return rows.rows
    .map((row) => codec.decode(row, key))
    .flatMap((event) => (event.type === 'InsightGenerated' ? [event] : []));
}

const [ana, bob] = await testWriters(app, 2);
if (ana === undefined || bob === undefined) throw new Error('writers');

t.test('on demand: POST /v1/insights answers 202, the worker writes it, GET shows it to its owner only', async (t) => {
  await writeAll(ana, [
    {
      date: '2026-11-16',
      title: 'Monday',
      content: 'Work was busy but the project demo went great. I am proud of the team.',
      mood: 'happy',
    },
    {
      date: '2026-11-17',
      title: 'Tuesday',
      content: 'Long day at work. The project deadline worries me a lot.',
      mood: 'anxious',
    },
    {
      date: '2026-11-18',
      title: 'Wednesday',
      content: 'Quiet evening, read a book and cooked pasta.',
      mood: 'neutral',
    },
    { date: '2026-11-19', title: 'Secret', content: 'CANARY-PRIVATE-TEXT stays with me.', isPrivate: true },
  ]);
  const asked = await ana.command('POST', '/v1/insights', { type: 'custom', from: '2026-11-16', to: '2026-11-22' });
  const queued = (await ana.get(`/v1/insights/${asked.id}`, at(asked.position))).json<Insight>();
  t.equal(queued.status, 'queued');
  t.equal((await bob.get(`/v1/insights/${asked.id}`, at(asked.position))).statusCode, 404, "not someone else's");

  const run = await writeDueInsights(ai.insights);
  t.ok(run.written >= 1);
  const done = await waitForInsight(ana, asked.id);
  t.equal(done.status, 'completed');
  t.equal(done.summary, 'A steady week.', 'worded by the configured provider');
  t.match(done.stats, {
    entries: 3,
    entriesAnalyzed: 3,
    totalWords: Number,
    mostProductiveWeekday: 'monday',
    longestStreak: 3,
    moods: { positive: 33.3, neutral: 33.3, negative: 33.3 },
    suggestions: ['Keep going.'],
    writtenBy: 'test-model',
  });
  const themes = (done.stats?.themes ?? []) as { phrase: string; count: number; sentiment: number }[];
  t.ok(
    themes.some((theme) => theme.phrase === 'work' && theme.count === 2),
    'themes with frequency',
  );
  t.ok(
    themes.every((theme) => theme.sentiment >= -1 && theme.sentiment <= 1),
    'and sentiment',
  );
  t.ok(received.length > 0, 'the provider was asked');
  t.notOk(
    received.some((body) => body.includes('CANARY-PRIVATE-TEXT')),
    'no private entry reached the provider',
  );

  const list = (await ana.get('/v1/insights?type=custom')).json<{ items: Insight[] }>();
  t.same(
    list.items.map((item) => item.id),
    [asked.id],
  );
  t.same((await bob.get('/v1/insights')).json<{ items: Insight[] }>().items, [], 'nobody else sees it');
  const anonymous = { type: 'custom', from: '2026-11-16', to: '2026-11-22' };
  t.equal((await app.inject({ method: 'POST', url: '/v1/insights', payload: anonymous })).statusCode, 401);
});

async function waitForInsight(writer: TestWriter, id: string): Promise<Insight> {
  for (let i = 0; i < 150; i++) {
    const insight = (await writer.get(`/v1/insights/${id}`)).json<Insight>();
    if (insight.status === 'completed') return insight;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`insight ${id} never completed`);
}

t.test('bad requests are 400 with a reason, private mode is 409, and requests are rate limited', async (t) => {
  const post = (writer: TestWriter, payload: unknown) =>
    app.inject({
      method: 'POST',
      url: '/v1/insights',
      headers: { authorization: `Bearer ${writer.token}` },
      payload: payload as object,
    });
  // 400 for what the schema states, 422 VALIDATION_RULE for a rule it cannot.
  for (const [payload, status] of [
    [{ type: 'custom', from: '2026-11-10', to: '2026-11-01' }, 422],
    [{ type: 'custom', from: '2024-01-01', to: '2026-01-01' }, 422],
    [{ type: 'custom', from: '2026-02-30', to: '2026-03-01' }, 400],
    [{ type: 'daily', from: '2026-11-01', to: '2026-11-02' }, 400],
    [{ type: 'custom', from: '2999-01-01', to: '2999-01-02' }, 422],
    [{ type: 'custom', from: '2026-11-01' }, 400],
  ] as const) {
    const response = await post(bob, payload);
    t.equal(response.statusCode, status, JSON.stringify(payload));
    const code = status === 400 ? 'VALIDATION_FAILED' : 'VALIDATION_RULE';
    t.match(response.json(), { error: { code, message: String } }, JSON.stringify(payload));
  }
  const [carol, dave] = await testWriters(app, 2);
  if (carol === undefined || dave === undefined) throw new Error('writers');
  await carol.command('PUT', '/v1/me/settings', settings({ privateMode: true }));
  const refused = await post(carol, { type: 'custom', from: '2026-11-01', to: '2026-11-02' });
  t.equal(refused.statusCode, 409);
  t.equal(refused.json<{ error: { code: string } }>().error.code, 'CONFLICT');

  const statuses: number[] = [];
  for (let i = 0; i < 11; i++)
    statuses.push((await post(dave, { type: 'custom', from: '2026-11-01', to: '2026-11-02' })).statusCode);
  t.same(statuses, [...Array<number>(10).fill(202), 429], 'ten an hour, then 429');
  const limited = await post(dave, { type: 'custom', from: '2026-11-01', to: '2026-11-02' });
  t.ok(Number(limited.headers['retry-after']) > 0);
  t.equal(limited.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
});

t.test(
  'weekly insights: after the week ends where the user lives, once, with a notification; missed periods caught up',
  async (t) => {
    const [eve] = await testWriters(app, 1, 'America/Sao_Paulo');
    if (eve === undefined) throw new Error('writer');
    await registeredInNovember(eve.id);
    await eve.command('PUT', '/v1/me/settings', settings({ emailWeeklyInsights: true }));
    await writeAll(eve, [
      { date: '2026-11-16', title: 'One', content: 'Ran five kilometres by the sea and felt strong.', mood: 'happy' },
      { date: '2026-11-17', title: 'Two', content: 'Ran again, slower. The sea was grey and cold.' },
      { date: '2026-11-20', title: 'Three', content: 'Rest day with a good book.', mood: 'neutral' },
    ]);
    const weekly = (userId: string) =>
      db.selectFrom('insight_periods').selectAll().where('user_id', '=', userId).where('kind', '=', 'weekly').execute();

    // Sunday 23:00 in São Paulo is 02:00 UTC on Monday: the week has not ended there yet.
    await writeDueInsights(ai.insights, new Date('2026-11-23T02:00:00Z'));
    t.same(await weekly(eve.id), [], 'not before the week ends in the user’s time zone');

    // Two workers at once, each with its own pool: one insight for the period.
    const second = ai.anotherWorker();
    const now = new Date('2026-11-23T03:30:00Z');
    await Promise.all([writeDueInsights(ai.insights, now), writeDueInsights(second, now)]);
    const periods = await weekly(eve.id);
    t.equal(periods.length, 1, 'one insight for the week');
    t.match(periods[0], { period_from: '2026-11-16', period_to: '2026-11-22' });
    const events = await insightEvents(eve.id);
    t.equal(events.length, 1, 'one InsightGenerated, whatever the number of workers');
    t.match(events[0]?.data, {
      kind: 'weekly',
      from: '2026-11-16',
      to: '2026-11-22',
      stats: { entries: 3, longestStreak: 2 },
    });

    // Down for six weeks: every missed period is looked at, those with entries written.
    await eve.write({ date: '2026-12-01', title: 'December', content: 'First snow. Hot chocolate and a long walk.' });
    await writeAll(eve, []);
    await writeDueInsights(ai.insights, new Date('2027-01-05T12:00:00Z'));
    const after = await insightEvents(eve.id);
    t.same(
      after.map((event) => `${event.data.kind} ${event.data.from}`),
      ['weekly 2026-11-16', 'monthly 2026-11-01', 'weekly 2026-11-30', 'monthly 2026-12-01'],
      'weeks and months with entries, oldest period first, none twice',
    );
    t.same(await schedule(eve.id), [
      { kind: 'monthly', next: '2027-01-01' },
      { kind: 'weekly', next: '2027-01-04' },
    ]);

    // Replaying: the same period from the same events gives the same insight.
    const first = after[0];
    await db
      .deleteFrom('insight_periods')
      .where('insight_id', '=', first?.data.insightId ?? '')
      .execute();
    await db
      .updateTable('insight_schedule')
      .set({ next_from: '2026-11-16' })
      .where('user_id', '=', eve.id)
      .where('kind', '=', 'weekly')
      .execute();
    await writeDueInsights(ai.insights, new Date('2026-11-23T03:30:00Z'));
    const replayed = (await insightEvents(eve.id)).at(-1);
    t.same(replayed?.data.stats, first?.data.stats, 'same figures');
    t.equal(replayed?.data.summary, first?.data.summary, 'same summary');

    // And what the read model shows is what the events say, before and after a rebuild from them.
    const shown = await waitForInsight(eve, first?.data.insightId ?? '');
    t.same(shown.stats, first?.data.stats);
    const listed = async () => (await eve.get('/v1/insights?limit=100')).json<{ items: Insight[] }>().items;
    const before = await waitFor(async () => {
      const items = await listed();
      return items.length === 5 ? items : undefined;
    });
    const read = connectPostgres<ReadModelTables>('read', ai.platform.readUrl, 2);
    t.teardown(() => read.close());
    const rebuilt = await rebuildProjection({
      projection: readModelProjection,
      writeDb: writeSide(db),
      db: read.db,
      decode: createDecoder(keyring, db),
      logger: createLogger({ level: 'silent', pretty: false }, 'test'),
    });
    t.ok(rebuilt.events > 0);
    t.same(await listed(), before, 'the same insights after the read model is rebuilt from the events');
  },
);

t.test('private mode: no scheduled insight, nothing sent to the provider', async (t) => {
  const [frank] = await testWriters(app, 1);
  if (frank === undefined) throw new Error('writer');
  await registeredInNovember(frank.id);
  await writeAll(frank, [{ date: '2026-11-18', title: 'Mine', content: 'CANARY-PRIVATE-MODE words of mine.' }]);
  await frank.command('PUT', '/v1/me/settings', settings({ privateMode: true }));
  await writeAll(frank, []);
  await writeDueInsights(ai.insights, new Date('2026-12-02T00:00:00Z'));
  t.same(
    await schedule(frank.id),
    [
      { kind: 'monthly', next: '2026-12-01' },
      { kind: 'weekly', next: '2026-11-30' },
    ],
    'his November periods came due and were passed over',
  );
  t.same(await insightEvents(frank.id), []);
  t.notOk(received.some((body) => body.includes('CANARY-PRIVATE-MODE')));
});
