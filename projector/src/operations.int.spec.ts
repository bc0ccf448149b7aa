import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { randomUUID } from 'node:crypto';
import { createEmbeddedBus, logOffset, partitionOf } from '@mindflow/core/bus';
import { createUserKeyring } from '@mindflow/core/crypto';
import { listenForEvents, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  waitFor,
} from '@mindflow/core/testing';
import { entryStream } from '@mindflow/core/domain';
import { Registry } from 'prom-client';
import t from 'tap';
import { writeSide } from './database.js';
import { createDecoder, hostProjection, createProjectionMetrics } from '@mindflow/core/projections';
import { appendDeleted } from './kafka-fixture.js';
import { bindProjection } from './projections.js';
import { listDeadLetters, projectionStatus, replayDeadLetters } from './operations.js';
import { readModelProjection } from './read-model/projection.js';
import { rebuildProjection } from './rebuild.js';
import { asDeliveries, signedInWriters } from './testing.js';
import type { ReadModelTables } from './read-model/tables.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const commands = await commandServiceForTest();
const read = await createTestDatabase<ReadModelTables>('read');
const write = connectPostgres('write', commands.url, 3);
const readSide = connectPostgres('read', read.url, 3);
const writeDb = writeSide(write.db);
const stores = [{ name: readModelProjection.name, store: bindProjection(readModelProjection, read.db).db }];
t.teardown(async () => {
  await write.close();
  await readSide.close();
  await read.drop();
  await commands.close();
});
const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);

t.test('a poison event lands in the dead letters while the rest flows on; status and replay see it', async (t) => {
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  await commands.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: 'p@example.com', password, displayName: 'P', consent },
  });
  const { accessToken } = (
    await commands.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'p@example.com', password } })
  ).json<{
    accessToken: string;
  }>();
  const create = async (date: string) =>
    (
      await commands.app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${accessToken}` },
        payload: { date, title: date, content: 'x' },
      })
    ).json<{ id: string; position: number }>();
  const poisoned = await create('2026-05-01');
  const healthy = await create('2026-05-02');

  // A decode that cannot open one event: the projection must give up on it and go on.
  const broken = { ...readModelProjection };
  const host = hostProjection({
    projection: broken,
    db: read.db,
    decode: async (event) => {
      if (event.type === 'EntryCreated' && (event.data as { entryId?: string }).entryId === poisoned.id)
        throw new Error('cannot decode');
      return decode(event);
    },
    metrics: createProjectionMetrics(new Registry()),
    logger,
    maxAttempts: 2,
    backoffMs: () => 10,
  });
  const notifications = await listenForEvents(commands.url, logger);
  const bus = createEmbeddedBus({ db: commands.db, notifications, logger, pollMs: 100 });
  const subscription = await bus.subscribe(host);
  await waitFor(async () => (host.lastPosition() >= healthy.position ? true : undefined), 20_000, 'the healthy entry');
  await subscription.stop();
  await notifications.close();

  const ids = (await read.db.selectFrom('journal_view').select('entry_id').execute()).map((row) => row.entry_id);
  t.same(ids, [healthy.id], 'the rest flowed on');
  const letters = await listDeadLetters(stores);
  t.equal(letters.length, 1);
  t.match(letters[0], {
    projection: 'read-model',
    attempts: 2,
    error: /cannot decode/,
    event: { type: 'EntryCreated' },
  });
  const [status] = await projectionStatus(writeDb, stores);
  t.match(status, { name: 'read-model', behind: 0, deadLetters: 1 });

  // Replayed through a host of the projection, as `dlq replay` does (the decode fixed).
  const fixed = hostProjection({
    projection: readModelProjection,
    db: read.db,
    decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  t.same(await replayDeadLetters([fixed], {}), { replayed: 1, failed: 0 });
  const after = (await read.db.selectFrom('journal_view').select('entry_id').orderBy('entry_date').execute()).map(
    (row) => row.entry_id,
  );
  t.same(after, [poisoned.id, healthy.id], 'the replayed event is in the read model');
  t.equal((await listDeadLetters(stores)).length, 0);
});

t.test('status counts, with Kafka partitions, each event against its own partition offset', async (t) => {
  const store = await createTestDatabase<EventStoreTables>('write');
  const offsetsDb = await createTestDatabase<ReadModelTables>('read');
  t.teardown(async () => {
    await store.drop();
    await offsetsDb.drop();
  });
  const partitions = 3;
  // Two users in each partition (random ids alone left one partition empty about one run in
  // eleven, and the counts too small for the bounded count below).
  const users: string[] = [];
  for (let p = 0; p < partitions; p++) {
    while (users.filter((user) => partitionOf(user, partitions) === p).length < 2) {
      const user = randomUUID();
      if (partitionOf(user, partitions) === p) users.push(user);
    }
  }
  for (let round = 0; round < 4; round++) {
    for (const user of users) await appendDeleted(store.db, user);
  }
  const events = await readWholeLog(store.db);
  const keyOf = (event: RecordedEvent) =>
    logOffset({ transactionId: event.transactionId, position: event.globalPosition });
  const inPartition = (p: number) => events.filter((event) => partitionOf(event.userId ?? '', partitions) === p);
  // One partition up to date, one two events in, one never delivered.
  const [full, partly, none] = [0, 1, 2].map(inPartition);
  const stored = [
    { partition: '0', event: full?.at(-1) },
    { partition: '1', event: partly?.[1] },
  ];
  for (const { partition, event } of stored) {
    if (event === undefined) continue;
    await offsetsDb.db
      .insertInto('projection_offsets')
      .values({ projection: 'read-model', partition, offset: keyOf(event) })
      .execute();
  }
  const expected =
    (stored[0]?.event === undefined ? (full?.length ?? 0) : 0) +
    Math.max(0, (partly?.length ?? 0) - (stored[1]?.event === undefined ? 0 : 2)) +
    (none?.length ?? 0);
  const target = [{ name: readModelProjection.name, store: bindProjection(readModelProjection, offsetsDb.db).db }];
  const [status] = await projectionStatus(writeSide(store.db), target, partitions);
  t.equal(status?.behind, expected, `${expected} events not applied`);
  t.equal(status?.more, false, 'counted to the end');
  const last = events.at(-1);
  t.equal(status?.head, last === undefined ? undefined : keyOf(last), 'the head of the event store');

  // Bounded: a count that reaches its limit says there may be more.
  const [bounded] = await projectionStatus(writeSide(store.db), target, partitions, 3);
  t.ok(bounded !== undefined && bounded.more && bounded.behind >= 1 && bounded.behind <= expected, 'a bounded count');

  // The floor row (a rebuild's swap) counts for every partition.
  const middle = events[Math.floor(events.length / 2)];
  if (middle === undefined) throw new Error('no events');
  await offsetsDb.db
    .insertInto('projection_offsets')
    .values({ projection: 'read-model', partition: 'log', offset: keyOf(middle) })
    .execute();
  const pending = (p: number, own: RecordedEvent | undefined) => {
    const from = own === undefined || keyOf(middle) > keyOf(own) ? keyOf(middle) : keyOf(own);
    return inPartition(p).filter((event) => keyOf(event) > from).length;
  };
  const [floored] = await projectionStatus(writeSide(store.db), target, partitions);
  t.equal(
    floored?.behind,
    pending(0, stored[0]?.event) + pending(1, stored[1]?.event) + pending(2, undefined),
    'each partition from its offset or the floor, whichever is further',
  );
});

t.test(
  'a stale dead letter replayed changes nothing newer; a rebuild resolves the dead letters it supersedes',
  async (t) => {
    const [ana] = await signedInWriters(commands.app, 1);
    if (ana === undefined) throw new Error('writer');
    const headers = { authorization: `Bearer ${ana.token}` };
    const send = async (method: 'POST' | 'PATCH', url: string, payload: object, ifMatch?: number) =>
      (
        await commands.app.inject({
          method,
          url,
          headers: { ...headers, ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }) },
          payload,
        })
      ).json<{ id: string; version: number }>();
    const entry = await send('POST', '/v1/entries', { date: '2026-06-01', title: 'first', content: 'x' });
    await send('PATCH', `/v1/entries/${entry.id}`, { title: 'second' }, 1);
    await send('PATCH', `/v1/entries/${entry.id}`, { title: 'third' }, 2);
    const other = await send('POST', '/v1/entries', { date: '2026-06-02', title: 'other', content: 'y' });

    // Version 2 of the entry and the other entry's creation cannot be decoded: dead-lettered.
    const unreadable = (event: RecordedEvent) =>
      (event.streamId === entryStream(entry.id) && event.streamVersion === 2) ||
      event.streamId === entryStream(other.id);
    const host = hostProjection({
      projection: readModelProjection,
      db: read.db,
      decode: async (event) => {
        if (unreadable(event)) throw new Error('cannot decode');
        return decode(event);
      },
      ...quickRuntimeServices(),
    });
    await deliverUntilDone(host, asDeliveries(await readWholeLog(writeDb)));
    const title = async () =>
      (await read.db.selectFrom('journal_view').select('title').where('entry_id', '=', entry.id).executeTakeFirst())
        ?.title;
    t.equal(await title(), 'third', 'version 3 applied over the gap');
    t.equal((await listDeadLetters(stores)).length, 2, 'two dead letters');

    // Replaying the stale version 2 (decoding fixed) must not put "second" back.
    const fixed = hostProjection({ projection: readModelProjection, db: read.db, decode, ...quickRuntimeServices() });
    const letter = (await listDeadLetters(stores)).find((one) => one.event.streamId === entryStream(entry.id));
    t.same(await replayDeadLetters([fixed], { ids: [letter?.id ?? ''] }), { replayed: 1, failed: 0 });
    t.equal(await title(), 'third', 'the newer version stays');

    // A rebuild applies what the other dead letter held, and resolves it.
    await rebuildProjection({ projection: readModelProjection, writeDb, db: read.db, decode, logger });
    t.same(await listDeadLetters(stores), [], 'no dead letter left open');
    const rebuilt = await read.db.selectFrom('journal_view').select('title').where('entry_id', '=', other.id).execute();
    t.same(rebuilt, [{ title: 'other' }], 'the rebuild applied it');
    t.equal(await title(), 'third');
  },
);
