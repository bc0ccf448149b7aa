// bench/projections: end-to-end lag (commit → visible in the read model) at a fixed command
// rate via Kafka and via the embedded bus; the live projection's sustained rate against the
// command ceiling; rebuild rate against a raw scan of the events.
//   npm run bench:projections      (needs the engines of npm test; BENCH_EVENTS=1000000)
import { availableParallelism } from 'node:os';
import { Type } from '@sinclair/typebox';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { readEnv } from '@mindflow/core/config';
import { createUserKeyring } from '@mindflow/core/crypto';
import { readAll, startOfLog, type Checkpoint } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { createTestDatabase } from '@mindflow/core/testing';
import { createDecoder, createProjectionMetrics, hostProjection } from '@mindflow/core/projections';
import { readModel, rebuildProjection, readModelProjection, writeSide } from '@mindflow/projector';
import { asDeliveries, projectorForTest, signedInWriters } from '@mindflow/projector/testing';
import { Registry } from 'prom-client';
import { sql } from 'kysely';

const env = readEnv(
  Type.Object({
    BENCH_EVENTS: Type.Integer({ minimum: 1000, default: 1_000_000, description: 'events to rebuild' }),
    BENCH_RATE: Type.Integer({ minimum: 1, default: 50, description: 'commands per second for the lag run' }),
    BENCH_SECONDS: Type.Integer({ minimum: 1, default: 10, description: 'seconds of the lag run' }),
    BENCH_PARTS: Type.String({ default: 'lag,live,rebuild', description: 'which runs: lag, live, rebuild' }),
    BENCH_LANES: Type.Integer({
      minimum: 1,
      default: Math.min(4, availableParallelism()),
      description: "the rebuild's lanes (connections applying users' events side by side)",
    }),
    BENCH_BATCH: Type.Optional(
      Type.Integer({ minimum: 1, description: "events the rebuild reads at a time (default: the rebuild's own)" }),
    ),
  }),
  process.env,
);
const logger = createLogger({ level: 'warn', pretty: false }, 'bench');
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function lagRun(via: 'kafka' | 'embedded') {
  const setup = await projectorForTest({ kafka: via === 'kafka', logger });
  const { commands, projector } = setup;
  const readModel = projector.projections[0];
  if (readModel === undefined) throw new Error('no read-model projection');
  const tokens = (await signedInWriters(commands.app, 20)).map((writer) => writer.token);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the projector settle
  const lags: number[] = [];
  const pending: { position: number; committed: number }[] = [];
  const watcher = setInterval(() => {
    const now = performance.now();
    while (pending.length > 0 && (pending[0]?.position ?? Infinity) <= readModel.lastPosition()) {
      const done = pending.shift();
      if (done !== undefined) lags.push(now - done.committed);
    }
  }, 1);
  const total = env.BENCH_RATE * env.BENCH_SECONDS;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / env.BENCH_RATE - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const response = await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${tokens[i % tokens.length] ?? ''}` },
      payload: {
        date: new Date(Date.UTC(2020, 0, 1 + Math.floor(i / tokens.length))).toISOString().slice(0, 10),
        title: 'Lag',
        content: 'a few words',
      },
    });
    pending.push({ position: response.json<{ position: number }>().position, committed: performance.now() });
    pending.sort((a, b) => a.position - b.position);
  }
  const deadline = performance.now() + 60_000;
  while (pending.length > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  clearInterval(watcher);
  await setup.close();
  lags.sort((a, b) => a - b);
  return { via, commands: total, p50: percentile(lags, 50), p99: percentile(lags, 99), missing: pending.length };
}

/**
 * The command ceiling: create-entry commands in a closed loop, 8 at a time, for BENCH_SECONDS, in
 * process (no HTTP: a higher ceiling than a client sees). Then the log they wrote (sealed, as
 * commands write it) goes through the live host as the bus delivers it when the projection is
 * behind, 500 events a batch, into an empty read model: its sustained rate.
 */
async function liveRun() {
  const commands = await commandServiceForTest();
  const tokens = (await signedInWriters(commands.app, 20)).map((writer) => writer.token);
  let sent = 0;
  const started = performance.now();
  const until = started + env.BENCH_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async (_, lane) => {
      for (let i = lane; performance.now() < until; i += 8) {
        const response = await commands.app.inject({
          method: 'POST',
          url: '/v1/entries',
          headers: { authorization: `Bearer ${tokens[i % tokens.length] ?? ''}` },
          payload: {
            date: new Date(Date.UTC(2000, 0, 1 + Math.floor(i / tokens.length))).toISOString().slice(0, 10),
            title: 'Live',
            content: 'a few words for the live run',
            tags: [`t${String(i % 5)}`],
          },
        });
        if (response.statusCode !== 201) throw new Error(response.body);
        sent++;
      }
    }),
  );
  const commandRate = sent / ((performance.now() - started) / 1000);

  const read = await createTestDatabase('read');
  const host = hostProjection({
    projection: readModelProjection,
    db: readModel(read.db),
    decode: createDecoder(createUserKeyring(testSecrets.masterKey), commands.db),
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  const log = [];
  for (let checkpoint: Checkpoint = startOfLog; ;) {
    const batch = await readAll(commands.db, checkpoint, 2_000);
    const last = batch.at(-1);
    if (last === undefined) break;
    log.push(...batch);
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
  }
  const applying = performance.now();
  for (let i = 0; i < log.length; i += 500) await host.handle(asDeliveries(log.slice(i, i + 500)));
  const liveRate = log.length / ((performance.now() - applying) / 1000);
  await read.drop();
  await commands.close();
  return { commands: sent, commandRate, events: log.length, liveRate };
}

async function rebuildRun() {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase('read');
  const write = connectPostgres('write', commands.url, 5);
  const readSide = connectPostgres('read', read.url, env.BENCH_LANES + 2);
  const writeDb = writeSide(write.db);
  const readDb = readModel(readSide.db);
  const users = Math.max(10, Math.floor(env.BENCH_EVENTS / 100));
  // Events written straight into the store (plain text fields, which decode as they are).
  await sql`
    insert into events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
    select gen_random_uuid(), 'UserRegistered', 1, 'user-' || u.id, 1, u.id, now(),
           jsonb_build_object('email', u.id || '@example.com', 'displayName', 'Bench', 'timezone', 'UTC', 'language', 'en', 'theme', 'system'),
           '{}'::jsonb
    from (select gen_random_uuid() as id from generate_series(1, ${users})) u`.execute(writeDb);
  await sql`
    insert into events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
    select gen_random_uuid(), 'EntryCreated', 1, 'entry-' || e.id, 1, e.user_id, now(),
           jsonb_build_object('entryId', e.id, 'date', to_char(date '2000-01-01' + e.n::int, 'YYYY-MM-DD'), 'title', 'Day ' || e.n,
             'content', 'some words for the bench', 'mood', 'happy', 'tags', jsonb_build_array('t' || (e.n % 5)),
             'location', null, 'weather', null, 'isPrivate', false, 'wordCount', 5, 'readingTime', 2),
           '{}'::jsonb
    from (
      select gen_random_uuid() as id, u.user_id, row_number() over (partition by u.user_id) as n
      from (select user_id from events where type = 'UserRegistered') u, generate_series(1, ${Math.floor((env.BENCH_EVENTS - users) / users)})
    ) e`.execute(writeDb);
  // A writer's life, not only creations: every 10th entry edited (title, mood, tags), every 50th deleted.
  await sql`
    insert into events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
    select gen_random_uuid(), 'EntryUpdated', 1, stream_id, 2, user_id, now(),
           jsonb_build_object('entryId', data->>'entryId', 'changes',
             jsonb_build_object('title', 'Edited', 'mood', 'sad', 'tags', jsonb_build_array('edited', 't1'))),
           '{}'::jsonb
    from events where type = 'EntryCreated' and global_position % 10 = 0`.execute(writeDb);
  await sql`
    insert into events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
    select gen_random_uuid(), 'EntryDeleted', 1, stream_id, 3, user_id, now(), jsonb_build_object('entryId', data->>'entryId'), '{}'::jsonb
    from events where type = 'EntryUpdated' and global_position % 5 = 0`.execute(writeDb);
  const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(writeDb)).rows[0]?.n ?? 0);

  let checkpoint: Checkpoint = startOfLog;
  const scanStarted = performance.now();
  let scanned = 0;
  for (;;) {
    const batch = await readAll(writeDb, checkpoint, 2_000);
    const last = batch.at(-1);
    if (last === undefined) break;
    scanned += batch.length;
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
  }
  const scanSeconds = (performance.now() - scanStarted) / 1000;

  let reported = 0;
  const result = await rebuildProjection({
    projection: readModelProjection,
    writeDb,
    db: readDb,
    decode: createDecoder(createUserKeyring(testSecrets.masterKey), commands.db),
    logger,
    lanes: env.BENCH_LANES,
    ...(env.BENCH_BATCH === undefined ? {} : { batchSize: env.BENCH_BATCH }),
    onProgress: (done) => {
      if (done - reported >= 100_000) {
        reported = done;
        console.log(`  rebuilt ${done}/${total}`);
      }
    },
  });
  await write.close();
  await readSide.close();
  await read.drop();
  await commands.close();
  return {
    total,
    scanned,
    scanRate: scanned / scanSeconds,
    rebuildRate: result.events / result.seconds,
    seconds: result.seconds,
  };
}

const parts = new Set(env.BENCH_PARTS.split(','));
if (parts.has('lag')) {
  for (const via of ['embedded', 'kafka'] as const) {
    const lag = await lagRun(via);
    console.log(
      `lag via ${via}: ${lag.commands} commands at ${env.BENCH_RATE}/s → p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms${lag.missing > 0 ? `, ${lag.missing} never seen` : ''}`,
    );
  }
}
if (parts.has('live')) {
  const live = await liveRun();
  console.log(
    `live read-model projection: ${live.events} events in batches of 500 at ${live.liveRate.toFixed(0)} events/s; command ceiling (create-entry, 8 in flight, in process): ${live.commandRate.toFixed(0)} commands/s (${live.commands} commands)`,
  );
  console.log(`ratio live-projection-vs-commands ${(live.liveRate / live.commandRate).toFixed(2)}`);
}
if (parts.has('rebuild')) {
  const rebuild = await rebuildRun();
  console.log(
    `rebuild of ${rebuild.total} events in ${env.BENCH_LANES} lane(s): ${rebuild.rebuildRate.toFixed(0)} events/s (${rebuild.seconds.toFixed(0)} s); raw scan of the events (readAll, same batches): ${rebuild.scanRate.toFixed(0)} events/s`,
  );
  console.log(`ratio rebuild-vs-scan ${(rebuild.rebuildRate / rebuild.scanRate).toFixed(3)}`);
  console.log(`ratio rebuild-events-per-second ${rebuild.rebuildRate.toFixed(0)}`);
}
