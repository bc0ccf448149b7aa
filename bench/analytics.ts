// bench/analytics: a 90-day daily mood query through the aggregate path (the analyst view
// over mood_daily_summary, as the API runs it) against the same GROUP BY over the raw
// mood_events, on 10M mood events; and the analytics projection's throughput against the
// read-model projection's on the same events, in the same run.
//   npm run bench:analytics      (needs the PostgreSQL of npm test; seeded data is kept by name)
import { Type } from '@sinclair/typebox';
import { ensurePartitions, addMonths, monthOf, setMinGroupSize } from '@mindflow/core/analytics';
import { readEnv } from '@mindflow/core/config';
import { moods } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { createTestDatabase } from '@mindflow/core/testing';
import { migrateToLatest } from '@mindflow/migrations';
import { createProjectionMetrics, hostProjection } from '@mindflow/core/projections';
import {
  analyticsModel,
  analyticsProjection,
  partitionStore,
  readModel,
  readModelProjection,
} from '@mindflow/projector';
import { asDeliveries } from '@mindflow/projector/testing';
import { keptDatabase } from './kept-database.js';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';

const env = readEnv(
  Type.Object({
    BENCH_MOOD_EVENTS: Type.Integer({ minimum: 10_000, default: 10_000_000 }),
    BENCH_PROJECTION_EVENTS: Type.Integer({ minimum: 1_000, default: 100_000 }),
    BENCH_RUNS: Type.Integer({ minimum: 1, default: 7 }),
  }),
  process.env,
);
const logger = createLogger({ level: 'warn', pretty: false }, 'bench');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

// ── 1. the 90-day daily query on 10M mood events ────────────────────────────────────────
async function seeded(size: number): Promise<Kysely<unknown>> {
  const name = `mindflow_bench_analytics_${String(size)}`;
  const db = connectPostgres('analytics', await keptDatabase(name), 4).db;
  await migrateToLatest(db, 'analytics');
  const count = Number((await sql<{ n: string }>`select count(*) as n from mood_events`.execute(db)).rows[0]?.n);
  if (count === size) return db;
  await sql`truncate mood_events, mood_daily_summary`.execute(db);
  // 30,000 writers over the last 360 days: one entry per writer per day at most, in 2 languages,
  // 4 time zones and 6 moods.
  const days = 360;
  const today = new Date();
  const first = new Date(today.getTime() - days * 86_400_000);
  await ensurePartitions(
    db,
    'mood_events',
    Array.from({ length: 14 }, (_, index) => addMonths(monthOf(first), index)),
  );
  const started = performance.now();
  const step = 500_000;
  for (let done = 0; done < size; done += step) {
    await sql`
      insert into mood_events (event_id, day, time, user_id, entry_id, sign, mood, mood_score, tags, word_count, language, timezone)
      select gen_random_uuid(), ${first.toISOString().slice(0, 10)}::date + (n % ${days})::int,
             now(), md5(((n / ${days}) % 30000)::text)::uuid, md5(n::text)::uuid, 1,
             (${sql.val(moods)}::text[])[1 + (n / 7 % 6)::int], ((n / 7 % 6) - 2.5) / 2.5, '{work}', 50 + n % 200,
             case when n / ${days} % 5 = 0 then 'pt' else 'en' end,
             (array['UTC', 'Europe/Lisbon', 'America/Sao_Paulo', 'Asia/Tokyo'])[1 + (n / ${days * 5} % 4)::int]
      from generate_series(${done + 1}::bigint, ${Math.min(size, done + step)}::bigint) as n`.execute(db);
    process.stdout.write(`\r  seeded ${String(Math.min(size, done + step))}/${String(size)} mood events`);
  }
  await sql`
    insert into mood_daily_summary (day, language, timezone, mood, entries, scored, score_sum, words)
    select day, language, timezone, mood, sum(sign), sum(sign) filter (where mood_score is not null),
           coalesce(sum(sign * mood_score), 0), sum(sign * word_count)
    from mood_events group by 1, 2, 3, 4`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`\n  seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return db;
}

async function dailyQuery(size: number) {
  const db = await seeded(size);
  await setMinGroupSize(db, 10);
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  const aggregate = () =>
    sql`select * from analyst.mood_daily where day between ${from} and ${to} order by day`.execute(db);
  // The same answer from the raw rows: per day, writers, entries, average score and moods.
  const raw = () =>
    sql`select day, sum(sign) as users, sum(sign) as entries,
               round((sum(sign * mood_score) / nullif(sum(sign) filter (where mood_score is not null), 0))::numeric, 3) as avg_mood_score,
               ${sql.join(moods.map((mood) => sql`sum(sign) filter (where mood = ${mood}) as ${sql.ref(mood)}`))}
        from mood_events where day between ${from} and ${to} group by day having sum(sign) >= 10 order by day`.execute(
      db,
    );
  const time = async (run: () => Promise<{ rows: unknown[] }>) => {
    await run(); // warm
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < env.BENCH_RUNS; i++) {
      const started = performance.now();
      rows = (await run()).rows.length;
      times.push(performance.now() - started);
    }
    return { ms: median(times), rows };
  };
  const viaAggregate = await time(aggregate);
  const viaRaw = await time(raw);
  const summaryRows = Number(
    (await sql<{ n: string }>`select count(*) as n from mood_daily_summary`.execute(db)).rows[0]?.n,
  );
  await db.destroy();
  return { viaAggregate, viaRaw, summaryRows };
}

// ── 2. projection throughput ────────────────────────────────────────────────────────────
function syntheticEvents(total: number): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const writers = Math.max(10, Math.floor(total / 60));
  let position = 0;
  const push = (type: string, userId: string, streamId: string, streamVersion: number, data: object) => {
    position += 1;
    events.push({
      eventId: `0193c000-0000-7000-8000-${position.toString(16).padStart(12, '0')}`,
      type,
      schemaVersion: 1,
      streamId,
      streamVersion,
      globalPosition: position,
      transactionId: String(position),
      occurredAt: new Date(),
      userId,
      data,
      metadata: {},
    } as RecordedEvent);
  };
  const uuid = (kind: number, n: number) =>
    `0193c000-${kind.toString(16).padStart(4, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`;
  for (let w = 0; w < writers; w++) {
    push('UserRegistered', uuid(1, w), `user-${uuid(1, w)}`, 1, {
      email: `w${String(w)}@example.com`,
      displayName: 'Bench',
      timezone: 'UTC',
      language: w % 5 === 0 ? 'pt' : 'en',
      theme: 'system',
    });
  }
  for (let n = 0; events.length < total; n++) {
    const userId = uuid(1, n % writers);
    const entryId = uuid(2, n);
    const date = new Date(Date.now() - Math.floor(n / writers) * 86_400_000).toISOString().slice(0, 10);
    push('EntryCreated', userId, `entry-${entryId}`, 1, {
      entryId,
      date,
      title: 'A day',
      content: 'some words for the bench',
      mood: moods[n % 6],
      tags: ['work'],
      location: null,
      weather: null,
      isPrivate: false,
      wordCount: 5,
      readingTime: 2,
    });
    if (n % 4 === 0)
      push('EntryUpdated', userId, `entry-${entryId}`, 2, { entryId, changes: { mood: moods[(n + 1) % 6] } });
  }
  return events.slice(0, total);
}

async function throughput(total: number) {
  const events = syntheticEvents(total);
  const decode = async (event: RecordedEvent) => ({ ...event, erased: [] }) as unknown as DecodedEvent<MindflowEvents>;
  const run = async <DB>(name: string, db: Kysely<DB>, host: (db: Kysely<DB>) => ReturnType<typeof hostProjection>) => {
    const hosted = host(db);
    const deliveries = asDeliveries(events);
    const started = performance.now();
    for (let start = 0; start < deliveries.length; start += 500)
      await hosted.handle(deliveries.slice(start, start + 500));
    const seconds = (performance.now() - started) / 1000;
    return { name, seconds, perSecond: total / seconds };
  };
  const metrics = createProjectionMetrics(new Registry());
  const read = await createTestDatabase('read');
  const analytics = await createTestDatabase('analytics');
  const readRun = await run('read-model', readModel(read.db), (db) =>
    hostProjection({ projection: readModelProjection, db, decode, metrics, logger }),
  );
  const analyticsRun = await run('analytics', analyticsModel(analytics.db), (db) =>
    hostProjection({ projection: analyticsProjection(partitionStore), db, decode, metrics, logger }),
  );
  await read.drop();
  await analytics.drop();
  return { readRun, analyticsRun };
}

const query = await dailyQuery(env.BENCH_MOOD_EVENTS);
const rate = await throughput(env.BENCH_PROJECTION_EVENTS);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
console.log(`
## Analytics (${new Date().toISOString().slice(0, 10)})

90-day daily mood query, ${env.BENCH_MOOD_EVENTS.toLocaleString('en')} mood events (${query.summaryRows.toLocaleString('en')} aggregate rows), median of ${String(env.BENCH_RUNS)}:

| path | rows | median | × raw |
| --- | --- | --- | --- |
| GROUP BY over raw mood_events (baseline) | ${String(query.viaRaw.rows)} | ${query.viaRaw.ms.toFixed(1)} ms | 1.00× |
| analyst.mood_daily over mood_daily_summary | ${String(query.viaAggregate.rows)} | ${query.viaAggregate.ms.toFixed(1)} ms | ${ratio(query.viaAggregate.ms, query.viaRaw.ms)} (${ratio(query.viaRaw.ms, query.viaAggregate.ms)} faster) |

Projection throughput, ${env.BENCH_PROJECTION_EVENTS.toLocaleString('en')} events (registrations, entries, one edit in four), batches of 500:

| projection | seconds | events/s | × read model |
| --- | --- | --- | --- |
| read-model (baseline) | ${rate.readRun.seconds.toFixed(1)} | ${rate.readRun.perSecond.toFixed(0)} | 1.00× |
| analytics (native partitions) | ${rate.analyticsRun.seconds.toFixed(1)} | ${rate.analyticsRun.perSecond.toFixed(0)} | ${ratio(rate.analyticsRun.perSecond, rate.readRun.perSecond)} |
`);
process.exit(0);
