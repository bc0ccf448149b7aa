import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import t from 'tap';
import { createTestDatabase, waitFor } from '../testing/index.js';
import {
  appendToStream,
  assertCommitOrderReachable,
  commitOrderReach,
  readAll,
  readerHoldBack,
  readStream,
  startOfLog,
  StreamVersionConflict,
  type Checkpoint,
  type EventStoreTables,
  type NewEvent,
  type RecordedEvent,
} from './index.js';

const store = await createTestDatabase<EventStoreTables>('write', 40);
t.teardown(() => store.drop());
const { db } = store;

function event(type: string, data: Record<string, unknown> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    occurredAt: new Date('2026-11-22T08:00:00Z'),
    userId: randomUUID(),
    data,
    metadata: { requestId: 'req-1', actorRole: 'user' },
  };
}

async function readEverything(from: Checkpoint = startOfLog): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let checkpoint = from;
  for (;;) {
    const batch = await readAll(db, checkpoint, 100);
    if (batch.length === 0) return all;
    all.push(...batch);
    const last = batch[batch.length - 1];
    if (last !== undefined) checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
  }
}

t.test('appends at the expected version, reads the stream back in order with the whole envelope', async (t) => {
  const stream = `entry-${randomUUID()}`;
  const first = await appendToStream(db, stream, 0, [event('EntryCreated', { title: 'a' })]);
  t.equal(first.streamVersion, 1);
  const second = await appendToStream(db, stream, 1, [event('EntryUpdated', { title: 'b' }), event('EntryDeleted')]);
  t.equal(second.streamVersion, 3);
  t.ok(second.position > first.position, 'positions grow');

  const events = await readStream(db, stream);
  t.same(
    events.map((e) => [e.streamVersion, e.type]),
    [
      [1, 'EntryCreated'],
      [2, 'EntryUpdated'],
      [3, 'EntryDeleted'],
    ],
  );
  t.match(events[0], {
    streamId: stream,
    schemaVersion: 1,
    data: { title: 'a' },
    metadata: { requestId: 'req-1', actorRole: 'user' },
    occurredAt: new Date('2026-11-22T08:00:00Z'),
  });
  t.same(
    (await readStream(db, stream, 3)).map((e) => e.type),
    ['EntryDeleted'],
  );
});

t.test('a stale or premature expected version is a typed conflict, and nothing is appended', async (t) => {
  const stream = `entry-${randomUUID()}`;
  await appendToStream(db, stream, 0, [event('EntryCreated')]);
  await t.rejects(appendToStream(db, stream, 0, [event('EntryCreated')]), StreamVersionConflict);
  await t.rejects(appendToStream(db, stream, 5, [event('EntryUpdated')]), {
    name: 'StreamVersionConflict',
    expectedVersion: 5,
    actualVersion: 1,
  });
  t.equal((await readStream(db, stream)).length, 1);
});

t.test('two writers racing at the same version: exactly one wins', async (t) => {
  const stream = `entry-${randomUUID()}`;
  await appendToStream(db, stream, 0, [event('EntryCreated')]);
  const race = await Promise.allSettled(
    Array.from({ length: 8 }, () =>
      db.transaction().execute(async (trx) => {
        const result = await appendToStream(trx, stream, 1, [event('EntryUpdated')]);
        await sleep(20);
        return result;
      }),
    ),
  );
  t.equal(race.filter((r) => r.status === 'fulfilled').length, 1, 'one winner');
  t.ok(
    race.every((r) => r.status === 'fulfilled' || r.reason instanceof StreamVersionConflict),
    'the losers get StreamVersionConflict',
  );
  t.same(
    (await readStream(db, stream)).map((e) => e.streamVersion),
    [1, 2],
  );
});

t.test('the table is append-only', async (t) => {
  await appendToStream(db, `entry-${randomUUID()}`, 0, [event('EntryCreated')]);
  await t.rejects(sql`update events set type = 'Forged'`.execute(db), /append-only/);
  await t.rejects(sql`delete from events`.execute(db), /append-only/);
});

t.test('readAll never skips an event whose transaction commits late, nor repeats one', async (t) => {
  const before = await readEverything();
  const from: Checkpoint =
    before.length === 0
      ? startOfLog
      : { transactionId: before.at(-1)?.transactionId ?? '0', position: before.at(-1)?.globalPosition ?? 0 };

  const writers = 24;
  const appendsPerWriter = 10;
  const committed = new Set<string>();
  const rolledBack = new Set<string>();
  const writers$ = { done: false };

  // Each writer appends to its own stream in transactions that wait a random while before
  // COMMIT (so positions are taken long before they become visible), and rolls back some.
  const writing$ = Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const stream = `gap-${w}-${randomUUID()}`;
      let version = 0;
      for (let i = 0; i < appendsPerWriter; i++) {
        const events = [event('EntryUpdated', { w, i }), event('EntryUpdated', { w, i, second: true })];
        const rollback = randomInt(5) === 0;
        try {
          await db.transaction().execute(async (trx) => {
            await appendToStream(trx, stream, version, events);
            await sleep(randomInt(40));
            if (rollback) throw new Error('rollback');
          });
          version += events.length;
          for (const e of events) committed.add(e.eventId);
        } catch {
          for (const e of events) rolledBack.add(e.eventId);
        }
      }
    }),
  ).finally(() => (writers$.done = true));

  // A reader polls throughout, from its checkpoint, as a projection would.
  const seen: RecordedEvent[] = [];
  let checkpoint = from;
  while (!writers$.done || seen.length < committed.size) {
    const batch = await readAll(db, checkpoint, 37);
    for (const e of batch) seen.push(e);
    const last = batch.at(-1);
    if (last !== undefined) checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
    else await sleep(5);
    if (writers$.done && batch.length === 0 && seen.length >= committed.size) break;
  }
  await writing$;
  seen.push(...(await readEverything(checkpoint)));

  const seenIds = seen.map((e) => e.eventId);
  t.equal(new Set(seenIds).size, seenIds.length, 'no event seen twice');
  const missing = [...committed].filter((id) => !seenIds.includes(id));
  t.same(missing, [], `every committed event seen (${seenIds.length} of ${committed.size})`);
  t.ok(rolledBack.size > 0, `some transactions rolled back (${rolledBack.size / 2})`);
  t.notOk(
    seenIds.some((id) => rolledBack.has(id)),
    'no rolled-back event seen',
  );
  const versionsByStream = new Map<string, number[]>();
  for (const e of seen)
    versionsByStream.set(e.streamId, [...(versionsByStream.get(e.streamId) ?? []), e.streamVersion]);
  t.ok(
    [...versionsByStream.values()].every((versions) => versions.every((v, i) => v === i + 1)),
    'each stream in version order, without gaps',
  );
});

t.test('an open transaction holds readers back, and readerHoldBack says by how much', async (t) => {
  const stream = `held-${randomUUID()}`;
  const holder = await db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    await appendToStream(connection, `holder-${randomUUID()}`, 0, [event('EntryCreated')]);
    // meanwhile, another transaction commits after it
    await appendToStream(db, stream, 0, [event('EntryCreated')]);
    const visible = await readEverything();
    const held = await readerHoldBack(db);
    await sql`rollback`.execute(connection);
    return { visible, held };
  });
  t.notOk(
    holder.visible.some((e) => e.streamId === stream),
    'an event committed after an open transaction began is not handed out yet',
  );
  t.ok(holder.held.events >= 1, `held back: ${holder.held.events} event(s)`);
  t.ok(holder.held.oldestTransactionSeconds >= 0);
  // (bounded: the handing out waits on nothing else, but a loaded machine is slow)
  const handedOut = await waitFor(
    async () => ((await readEverything()).some((e) => e.streamId === stream) ? true : undefined),
    60_000,
    'the event to be handed out',
  );
  t.ok(handedOut, 'once the old transaction ends, the event is handed out');
});

t.test('a transaction in another database of the server holds no reader back', async (t) => {
  const other = await createTestDatabase<EventStoreTables>('write', 2);
  t.teardown(() => other.drop());
  const stream = `beside-${randomUUID()}`;
  const seen = await other.db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    // It holds a transaction id, as a rebuild writing the read model on the same server does.
    await appendToStream(connection, `elsewhere-${randomUUID()}`, 0, [event('EntryCreated')]);
    await appendToStream(db, stream, 0, [event('EntryCreated')]);
    const visible = await readEverything();
    const held = await readerHoldBack(db);
    await sql`rollback`.execute(connection);
    return { visible, held };
  });
  t.ok(
    seen.visible.some((e) => e.streamId === stream),
    "an event committed here is handed out while the other database's transaction runs",
  );
  t.equal(seen.held.events, 0, 'nothing held back here');
});

t.test('each stream in version order even when its writers wrote something else before they locked it', async (t) => {
  // A command writes its idempotency row (taking its transaction id) and only then locks the
  // entry: a later transaction can lock first, append the next version and commit, and the
  // earlier one appends after it with an older transaction id.
  await sql`create table if not exists side_writes (id uuid primary key)`.execute(db);
  const before = await readEverything();
  const from: Checkpoint =
    before.length === 0
      ? startOfLog
      : { transactionId: before.at(-1)?.transactionId ?? '0', position: before.at(-1)?.globalPosition ?? 0 };
  const streams = Array.from({ length: 3 }, () => `entry-${randomUUID()}`);
  const committed = new Set<string>();
  const rolledBack = new Set<string>();
  const writing = { done: false };
  const writing$ = Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < 12; i++) {
        const stream = streams[randomInt(streams.length)] ?? '';
        const events = [event('EntryUpdated', { w, i })];
        const rollback = randomInt(6) === 0;
        try {
          await db.transaction().execute(async (trx) => {
            await sql`insert into side_writes values (${randomUUID()})`.execute(trx);
            await sleep(randomInt(15));
            await sql`select pg_advisory_xact_lock(hashtext(${stream}))`.execute(trx);
            await appendToStream(trx, stream, 'any', events);
            await sleep(randomInt(5));
            if (rollback) throw new Error('rollback');
          });
          for (const e of events) committed.add(e.eventId);
        } catch {
          for (const e of events) rolledBack.add(e.eventId);
        }
      }
    }),
  ).finally(() => (writing.done = true));

  // The reader polls throughout, then until it has them all (bounded): a transaction of another
  // test on the server may hold readers back a while.
  const seen: RecordedEvent[] = [];
  let checkpoint = from;
  const deadline = Date.now() + 60_000;
  while (!writing.done || (seen.length < committed.size && Date.now() < deadline)) {
    const batch = await readAll(db, checkpoint, 23);
    seen.push(...batch);
    const last = batch.at(-1);
    if (last !== undefined) checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
    else await sleep(writing.done ? 50 : 3);
  }
  await writing$;

  const ids = seen.map((e) => e.eventId);
  t.equal(new Set(ids).size, ids.length, 'no event seen twice');
  t.same(
    [...committed].filter((id) => !ids.includes(id)),
    [],
    `every committed event seen (${ids.length} of ${committed.size})`,
  );
  t.notOk(
    ids.some((id) => rolledBack.has(id)),
    `no rolled-back event seen (${rolledBack.size} rolled back)`,
  );
  const outOfOrder: string[] = [];
  for (const stream of streams) {
    const versions = seen.filter((e) => e.streamId === stream).map((e) => e.streamVersion);
    versions.forEach((v, i) => {
      if (v !== i + 1) outOfOrder.push(`${stream}: v${String(v)} read at ${String(i + 1)}`);
    });
  }
  t.same(outOfOrder.slice(0, 5), [], 'every reader gets each stream in version order');
});

t.test('a database copied from a cluster further ahead is refused at start, with the recovery named', async (t) => {
  await t.resolves(assertCommitOrderReachable(db), 'this server has passed every stored key');
  const copy = await createTestDatabase<EventStoreTables>('write', 2);
  t.teardown(() => copy.drop());
  // What a dump taken on a cluster in xid epoch 3 carries into a fresh one.
  const ahead = String(3n * 2n ** 32n + 1234n);
  await sql`insert into events (transaction_id, event_id, type, schema_version, stream_id, stream_version, occurred_at, data, metadata)
            values (${ahead}::xid8, ${randomUUID()}, 'Moved', 1, 'moved-1', 1, now(), '{}', '{}')`.execute(copy.db);
  t.same(await readAll(copy.db, startOfLog), [], 'no reader gets past it');
  const reach = await commitOrderReach(copy.db);
  t.equal(reach.storedKey, ahead);
  t.equal(reach.epochNeeded, 4);
  await t.rejects(assertCommitOrderReachable(copy.db), {
    name: 'ConfigError',
    message: /copied from another cluster.*pg_resetwal -e 4/,
  });
});
