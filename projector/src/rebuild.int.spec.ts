import { setTimeout as sleep } from 'node:timers/promises';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createEmbeddedBus, logOffset } from '@mindflow/core/bus';
import { createUserKeyring } from '@mindflow/core/crypto';
import { listenForEvents, type RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  waitFor,
} from '@mindflow/core/testing';
import { asDeliveries, fromScratchSnapshot, readModelSnapshot, commandSender, signedInWriters } from './testing.js';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { writeSide } from './database.js';
import { createDecoder, hostProjection, createProjectionMetrics, lockProjection } from '@mindflow/core/projections';
import { readModelProjection } from './read-model/projection.js';
import type { ReadModelTables } from './read-model/tables.js';
import { rebuildProjection } from './rebuild.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

/**
 * A command service and its log, an empty read database, the decoder, `writers` signed-in
 * writers' tokens and a way to send commands, closed at the end of `t`.
 */
async function logAndReadModel(t: Test, writers = 0) {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase<ReadModelTables>('read');
  const write = connectPostgres('write', commands.url, 5);
  t.teardown(async () => {
    await write.close();
    await read.drop();
    await commands.close();
  });
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);
  const tokens = (await signedInWriters(commands.app, writers)).map((writer) => writer.token);
  return { commands, read, writeDb: writeSide(write.db), decode, tokens, send: commandSender(commands.app) };
}

t.test('a rebuild while commands keep coming swaps in a model equal to a from-scratch one', async (t) => {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase<ReadModelTables>('read');
  const write = connectPostgres('write', commands.url, 5);
  const writeDb = writeSide(write.db);
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);
  const notifications = await listenForEvents(commands.url, logger);
  const bus = createEmbeddedBus({ db: commands.db, notifications, logger, pollMs: 100 });
  const live = hostProjection({
    projection: readModelProjection,
    db: read.db,
    decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  const subscription = await bus.subscribe(live);
  t.teardown(async () => {
    await subscription.stop();
    await notifications.close();
    await write.close();
    await read.drop();
    await commands.close();
  });

  const tokens = (await signedInWriters(commands.app, 4)).map((writer) => writer.token);
  let day = 0;
  const write1 = async () => {
    const n = day++;
    await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${tokens[n % tokens.length] ?? ''}` },
      payload: {
        date: new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10),
        title: `Day ${n}`,
        content: 'a few words',
        mood: 'happy',
        tags: [`t${n % 3}`],
      },
    });
  };
  for (let i = 0; i < 60; i++) await write1();
  // The indexes as the migrations made them: the swapped-in tables must have the same, by name.
  const indexes = async () =>
    (
      await sql<{ table: string; name: string; definition: string }>`
        select tablename as table, indexname as name, indexdef as definition from pg_indexes
        where schemaname = 'public' and tablename = any(${[...readModelProjection.tables]}::text[])
        order by tablename, indexname`.execute(read.db)
    ).rows;
  const migrated = await indexes();
  t.ok(
    migrated.some((index) => index.name === 'journal_view_search'),
    'the full-text index is there, as named by its migration',
  );

  // Commands keep coming during the rebuild.
  const writing = { on: true };
  const keepWriting = () => writing.on;
  const writer = (async () => {
    while (keepWriting()) await write1();
  })();
  const progress: number[] = [];
  const result = await rebuildProjection({
    projection: readModelProjection,
    writeDb,
    db: read.db,
    decode,
    logger,
    batchSize: 25,
    lanes: 3,
    onProgress: (done) => progress.push(done),
  });
  writing.on = false;
  await writer;
  t.ok(result.events >= 60, `rebuilt ${result.events} events`);
  t.ok(progress.length > 2, 'progress was reported along the way');

  // Drain, then compare with a model built from scratch in another database.
  const head = (await readWholeLog(commands.db)).length;
  await waitFor(
    async () => {
      const all = await readWholeLog(commands.db);
      const last = all.at(-1);
      const stored = (await live.offsets()).get('log');
      return last !== undefined &&
        stored === logOffset({ transactionId: last.transactionId, position: last.globalPosition })
        ? true
        : undefined;
    },
    20_000,
    'the live projection to drain',
  );
  t.ok(head > 0);
  t.same(await readModelSnapshot(read.db), await fromScratchSnapshot(commands.db, logger), 'row by row');
  const schemas = await sql<{
    n: string;
  }>`select count(*) as n from information_schema.schemata where schema_name like 'rebuild_%'`.execute(read.db);
  t.equal(Number(schemas.rows[0]?.n), 0, 'no shadow left behind');
  t.same(await indexes(), migrated, 'every index as the migrations made it, under its name (a migration names it)');
});

t.test(
  'a poison event in the log: the rebuild, in lanes, dead-letters it and swaps in all the rest in order',
  async (t) => {
    const { commands, read, writeDb, decode } = await logAndReadModel(t);
    const scratch = await createTestDatabase<ReadModelTables>('read');
    t.teardown(scratch.drop);
    // Six writers, each with entries created, edited, some deleted and restored: each entry's
    // versions must be applied in order within its lane, whichever lane runs ahead.
    const tokens = (await signedInWriters(commands.app, 6)).map((writer) => writer.token);
    const sender = commandSender(commands.app);
    const send = async (...command: Parameters<typeof sender>) => {
      const response = await sender(...command);
      if (response.statusCode >= 300) throw new Error(`${command[1]} ${command[2]}: ${response.body}`);
      return response;
    };
    for (const [n, token] of tokens.entries()) {
      for (let day = 1; day <= 4; day++) {
        const created = await send(token, 'POST', '/v1/entries', {
          date: `2026-03-0${day}`,
          title: `Writer ${n}, day ${day}`,
          content: 'a few words',
          mood: 'happy',
          tags: [`t${day % 2}`],
        });
        const { id } = created.json<{ id: string }>();
        await send(token, 'PATCH', `/v1/entries/${id}`, { title: 'edited', mood: 'sad', tags: ['edited'] }, 1);
        if (day % 2 === 0) await send(token, 'DELETE', `/v1/entries/${id}`, undefined, 2);
        if (day === 4) await send(token, 'POST', `/v1/entries/${id}/restore`);
      }
    }
    const log = await readWholeLog(writeDb);
    const poison = log.find((event) => event.type === 'EntryUpdated');
    if (poison === undefined) throw new Error('no update in the log');
    const unreadable = async (event: RecordedEvent) => {
      if (event.eventId === poison.eventId) throw new Error('cannot decode');
      return decode(event);
    };

    const result = await rebuildProjection({
      projection: readModelProjection,
      writeDb,
      db: read.db,
      decode: unreadable,
      logger,
      batchSize: 7,
      lanes: 3,
    });
    t.equal(result.events, log.length, 'every event gone through');
    t.equal(result.deadLetters, 1, 'one dead letter, reported');
    const letters = await read.db
      .selectFrom('dead_letters')
      .select(['event_id', 'projection'])
      .where('replayed_at', 'is', null)
      .execute();
    t.same(letters, [{ event_id: poison.eventId, projection: 'read-model' }], 'the poison event is the dead letter');

    // The same log through one host, one event after another where it fails: the same model.
    const host = hostProjection({
      projection: readModelProjection,
      db: scratch.db,
      decode: unreadable,
      ...quickRuntimeServices(),
    });
    await deliverUntilDone(host, asDeliveries(log));
    t.same(await readModelSnapshot(read.db), await readModelSnapshot(scratch.db), 'row by row');
  },
);

t.test(
  'a rebuild whose connections are cut ends with an error, never waits for ever; the live model stays',
  async (t) => {
    const { read, writeDb, decode, tokens, send } = await logAndReadModel(t, 4);
    for (let n = 0; n < 40; n++) {
      const date = new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10);
      const created = await send(tokens[n % tokens.length] ?? '', 'POST', '/v1/entries', {
        date,
        title: 'x',
        content: 'y',
      });
      t.equal(created.statusCode, 201);
    }
    const live = hostProjection({ projection: readModelProjection, db: read.db, decode, ...quickRuntimeServices() });
    await deliverUntilDone(live, asDeliveries(await readWholeLog(writeDb)));
    const before = await readModelSnapshot(read.db);

    // Slow enough that the cut comes mid-bulk, inside a lane's transaction.
    const slow = async (event: RecordedEvent) => {
      await sleep(15);
      return decode(event);
    };
    const rebuilding = rebuildProjection({
      projection: readModelProjection,
      writeDb,
      db: read.db,
      decode: slow,
      logger,
      batchSize: 10,
      lanes: 2,
    });
    await sleep(400);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()`.execute(read.db);
    const outcome = await Promise.race([
      rebuilding.then(
        () => 'finished',
        () => 'failed',
      ),
      sleep(30_000).then(() => 'still waiting after 30 s'),
    ]);
    t.equal(outcome, 'failed', 'the rebuild ends with an error');
    t.same(await readModelSnapshot(read.db), before, 'the live model is as it was');
  },
);

t.test(
  'a poison event committed while the rebuild runs, so caught up in the swap: dead-lettered there, the rest swapped in',
  async (t) => {
    const { read, writeDb, decode, tokens, send } = await logAndReadModel(t, 1);
    const [token = ''] = tokens;
    let day = 0;
    const create = async (title: string) => {
      day += 1;
      const date = `2026-03-0${String(day)}`;
      const created = await send(token, 'POST', '/v1/entries', { date, title, content: 'words' });
      t.equal(created.statusCode, 201, `${title} written`);
      return created.json<{ id: string }>().id;
    };
    for (const title of ['one', 'two', 'three']) await create(title);
    // An update cannot be opened: the only one in the log, written while the swap waits.
    const unreadable = async (event: RecordedEvent) => {
      if (event.type === 'EntryUpdated') throw new Error('cannot decode');
      return decode(event);
    };

    // The live model's lock, held as a live batch holds it: the swap waits for it, after the lanes.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    t.teardown(() => release());
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const liveBatch = read.db.transaction().execute(async (trx) => {
      await lockProjection(trx as unknown as Parameters<typeof lockProjection>[0], readModelProjection.name, 'public');
      locked();
      await held;
    });
    await isLocked;
    const rebuilding = rebuildProjection({
      projection: readModelProjection,
      writeDb,
      db: read.db,
      decode: unreadable,
      logger,
      batchSize: 2,
      lanes: 2,
    });
    rebuilding.catch(() => undefined); // awaited below
    await waitFor(async () => {
      const waiting = await sql<{ n: string }>`
        select count(*) as n from pg_locks
        where locktype = 'advisory' and not granted
          and database = (select oid from pg_database where datname = current_database())`.execute(read.db);
      return Number(waiting.rows[0]?.n) > 0 ? true : undefined;
    });
    const poisoned = await create('four');
    const patched = await send(token, 'PATCH', `/v1/entries/${poisoned}`, { title: 'four, edited' }, 1);
    t.equal(patched.statusCode, 200, 'an update is written while the swap waits');
    await create('five');
    release();
    await liveBatch;

    const result = await rebuilding;
    const poison = (await readWholeLog(writeDb)).find((event) => event.type === 'EntryUpdated');
    t.equal(result.deadLetters, 1, 'one dead letter, reported');
    const letters = await read.db
      .selectFrom('dead_letters')
      .select('event_id')
      .where('replayed_at', 'is', null)
      .execute();
    t.same(letters, [{ event_id: poison?.eventId }], 'the update is the dead letter');
    const titles = await read.db.selectFrom('journal_view').select('title').orderBy('title').execute();
    t.same(
      titles.map((row) => row.title),
      ['five', 'four', 'one', 'three', 'two'],
      'the events around it are in the swapped-in model',
    );
  },
);

t.test('two rebuilds of one projection at once: one is refused, the other swaps in the whole model', async (t) => {
  const { read, writeDb, decode, tokens, send } = await logAndReadModel(t, 3);
  for (const [n, token] of tokens.entries()) {
    for (let day = 1; day <= 9; day++) {
      await send(token, 'POST', '/v1/entries', {
        date: `2026-04-0${day}`,
        title: `Writer ${n}, day ${day}`,
        content: 'a few words',
        mood: 'calm',
        tags: [],
      });
    }
  }
  const rebuild = () =>
    rebuildProjection({
      projection: readModelProjection,
      writeDb,
      db: read.db,
      decode,
      logger,
      batchSize: 3,
      lanes: 2,
    });
  // Whichever takes the lock first swaps in; the other is refused.
  const outcomes = await Promise.allSettled([rebuild(), rebuild()]);
  t.same(outcomes.map((outcome) => outcome.status).sort(), ['fulfilled', 'rejected'], 'one swaps in, one is refused');
  t.match(outcomes.find((outcome) => outcome.status === 'rejected')?.reason, {
    message: /a rebuild of read-model is already running/,
  });
  t.same(await readModelSnapshot(read.db), await fromScratchSnapshot(writeDb, logger), 'row by row');
  const shadows = await sql<{ name: string }>`
      select nspname as name from pg_namespace where nspname like 'rebuild_%'`.execute(read.db);
  t.same(shadows.rows, [], 'no shadow schema is left behind');
  const again = await rebuild();
  t.equal(again.deadLetters, 0, 'and a rebuild afterwards runs');
});
