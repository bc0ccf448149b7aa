import { chainOf, verifyChains, type AuditRecord, type AuditStore } from '@mindflow/core/audit';
import { logOffset } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import {
  appliedUpTo,
  createErasureFence,
  floorPartition,
  readOffsets,
  saveOffsets,
  type RuntimeServices,
  type RuntimeTables,
} from '@mindflow/core/projections';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  waitFor,
} from '@mindflow/core/testing';
import { createHash, randomUUID } from 'node:crypto';
import t from 'tap';
import { asDeliveries, commandsWithBus, auditStoreForTest, commandLoad, signedInWriters } from '../testing.js';
import { auditTrail } from './projection.js';
import { isAudited } from './records.js';
import { auditRebuildName, rebuildAudit } from './rebuild.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const { commands, writeDb, decode, bus, close } = await commandsWithBus(logger);
t.teardown(close);

const everything = () => readWholeLog(writeDb);
const runtime = (): RuntimeServices => ({ ...quickRuntimeServices(), erasure: createErasureFence(writeDb) });
const audited = (event: RecordedEvent) => isAudited(event.type as DecodedEvent<MindflowEvents>['type']);

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * What a record says about its event, whichever store wrote it. An erased subject is left
 * under a pseudonym salted per store: it reads 'pseudonym' where the record holds exactly that.
 */
function eventView(record: AuditRecord) {
  const alias = (value: string | null, pseudonym: string | null) =>
    record.salt === null && value !== null && value === pseudonym ? 'pseudonym' : value;
  return {
    eventId: record.eventId,
    action: record.action,
    timestamp: record.timestamp.toISOString(),
    userId: alias(record.userId, record.pseudonyms.userId),
    actorId: alias(record.actorId, record.pseudonyms.actorId),
    actorRole: record.actorRole,
    metadata: record.metadata,
    ipAddress: record.ipAddress,
    userAgent: record.userAgent,
    requestId: record.requestId,
    dataCategory: record.dataCategory,
  };
}

const byEventId = (a: { eventId: string }, b: { eventId: string }) => a.eventId.localeCompare(b.eventId);

/** Every chain from the first day of the test to today verifies. */
async function verify(store: AuditStore, since: Date) {
  const [from, to] = [chainOf(since), chainOf(new Date())];
  return verifyChains(store.chainRecords(from, to), await store.chainHeads(from, to));
}

type Writer = Awaited<ReturnType<typeof signedInWriters>>[number];

/** The writers write, sign in again and then erase themselves. */
async function writeThenErase(writers: readonly Writer[]): Promise<void> {
  for (const writer of writers) {
    const auth = { authorization: `Bearer ${writer.token}` };
    const created = await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: auth,
      payload: { date: '2026-05-01', title: 't', content: 'words', mood: 'happy' },
    });
    await commands.app.inject({
      method: 'PATCH',
      url: `/v1/entries/${created.json<{ id: string }>().id}`,
      headers: { ...auth, 'if-match': '"1"' },
      payload: { mood: 'sad' },
    });
    await commands.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'user-agent': 'ErasedAgent/1.0' },
      payload: { email: writer.email, password: writer.password },
    });
    const erased = await commands.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: auth,
      payload: { password: writer.password },
    });
    if (erased.statusCode !== 202) throw new Error(`erase: ${erased.body}`);
  }
}

t.test('a rebuild does not bring back records past the audit retention', async (t) => {
  const read = await createTestDatabase<RuntimeTables>('read');
  const retention = { auditLogs: 5, applicationLogs: 60, apiRequests: 60 };
  const audit = await auditStoreForTest('postgres', read.url, retention);
  t.teardown(async () => {
    await audit.close();
    await read.drop();
  });
  await signedInWriters(commands.app, 2);
  // The reader holds back while older transactions of the cluster are in flight: wait for both logins.
  const events = await waitFor(async () => {
    const log = await everything();
    return log.filter((event) => event.type === 'UserLoggedIn').length >= 2 ? log : undefined;
  });
  await deliverUntilDone(auditTrail({ store: audit.store, writeDb, readDb: read.db, decode }), asDeliveries(events));
  t.ok((await audit.store.count({})) > 0, 'recorded');
  // The records expire, and the sweeper removes them.
  await waitFor(async () => ((await audit.store.sweep(new Date())).audit_logs > 0 ? true : undefined), 20_000);
  t.equal(await audit.store.count({}), 0, 'swept');
  const rebuilt = await rebuildAudit({
    store: await audit.open(),
    writeDb,
    readDb: read.db,
    decode,
    erasure: createErasureFence(writeDb),
    logger,
  });
  t.equal(rebuilt.appended, 0, 'nothing appended');
  t.equal(await audit.store.count({}), 0, 'what retention removed stays removed');
});

t.test('a dead letter of an erased user, replayed, is recorded under a pseudonym', async (t) => {
  const read = await createTestDatabase<RuntimeTables>('read');
  const audit = await auditStoreForTest('postgres', read.url);
  t.teardown(async () => {
    await audit.close();
    await read.drop();
  });
  const start = (await everything()).at(-1);
  const writers = await signedInWriters(commands.app, 1);
  await writeThenErase(writers);
  const userId = writers[0]?.id ?? '';
  const events = (await everything()).filter(
    (event) => start === undefined || event.globalPosition > start.globalPosition,
  );
  const login = events.find((event) => event.type === 'UserLoggedIn' && event.userId === userId);
  const trail = auditTrail({
    store: audit.store,
    writeDb,
    readDb: read.db,
    decode: async (event) => {
      if (event.eventId === login?.eventId) throw new Error('this record cannot be written');
      return decode(event);
    },
    runtime: runtime(),
  });
  await deliverUntilDone(trail, asDeliveries(events));
  t.equal((await read.db.selectFrom('dead_letters').selectAll().execute()).length, 1, 'the login is dead-lettered');
  if (login === undefined) throw new Error('no login');
  // Replayed after UserErased was applied: the subject's salt is gone, the record is new.
  await auditTrail({ store: audit.store, writeDb, readDb: read.db, decode, runtime: runtime() }).replay(login);
  const record = (await all(audit.store.stream({}))).find((candidate) => candidate.eventId === login.eventId);
  t.match(record, { salt: null, ipAddress: null, userAgent: null }, 'the login is recorded, without ip or agent');
  t.not(record?.userId, userId, 'not under the erased id');
  t.same(await audit.store.list({ userId }, 10), [], 'nothing found under the erased id');
  t.match(await verify(audit.store, start?.occurredAt ?? new Date()), { ok: true });
});

for (const adapter of ['postgres', 'mongodb'] as const) {
  t.test(`rebuilding the audit trail (${adapter}) while it consumes and commands run`, async (t) => {
    const since = new Date();
    const read = await createTestDatabase<RuntimeTables>('read');
    const scratchRead = await createTestDatabase<RuntimeTables>('read');
    const live = await auditStoreForTest(adapter, read.url);
    const scratch = await auditStoreForTest(adapter, scratchRead.url);
    t.teardown(async () => {
      await live.close();
      await scratch.close();
      await read.drop();
      await scratchRead.drop();
    });

    // Gaps the rebuild must fill: the trail starts after some history (as a store added later
    // would), and, while it runs, events of some users and a share of the others fail for it
    // until they are dead-lettered; some of those users erase themselves meanwhile.
    await signedInWriters(commands.app, 2);
    const victims = await signedInWriters(commands.app, 2);
    const erased = victims.map((victim) => victim.id);
    const history = (await everything()).at(-1);
    if (history === undefined) throw new Error('no history');
    await saveOffsets(
      read.db,
      'audit',
      new Map([
        [floorPartition, logOffset({ transactionId: history.transactionId, position: history.globalPosition })],
      ]),
    );
    const poison = { on: true };
    const poisoned = (event: RecordedEvent) =>
      poison.on &&
      ((event.userId !== null && erased.includes(event.userId)) ||
        (createHash('sha256').update(event.eventId).digest()[0] ?? 0) % 5 === 0);
    const host = auditTrail({
      store: live.store,
      writeDb,
      readDb: read.db,
      decode: async (event) => {
        if (poisoned(event)) throw new Error('this record cannot be written now');
        return decode(event);
      },
      runtime: runtime(),
    });
    const subscription = await bus.subscribe(host, { batchSize: 20 });
    const state = { on: true };
    const running = () => state.on;
    const sent = { n: 0 };
    const load = commandLoad(commands.app, running, sent);
    await writeThenErase(victims);
    await waitFor(async () => ((await everything()).length > history.globalPosition + 150 ? true : undefined), 60_000);
    poison.on = false;
    const settled = (await everything()).at(-1)?.globalPosition ?? 0;
    await waitFor(async () => (host.lastPosition() >= settled ? true : undefined), 60_000, 'the poison to settle');
    const open = await read.db.selectFrom('dead_letters').select('event_id').where('replayed_at', 'is', null).execute();
    t.ok(open.length >= 5, `${open.length} events dead-lettered by the live trail`);

    // What the trail holds before the rebuilds, and a record no event makes (an audit query).
    const before = await all(live.store.stream({}));
    const query = randomUUID();
    await live.store.append([
      {
        eventId: query,
        userId: null,
        actorId: randomUUID(),
        actorRole: 'compliance',
        action: 'AUDIT_QUERY',
        timestamp: new Date(),
        metadata: { filter: {} },
        ipAddress: null,
        userAgent: null,
        requestId: null,
        dataCategory: 'compliance',
      },
    ]);

    // Rebuilds while commands run and the live trail is redelivered its last events.
    const redeliver = (async () => {
      let redeliveries = 0;
      while (running()) {
        const events = await everything();
        await host.handle(asDeliveries(events.slice(-30))).catch(() => undefined);
        redeliveries += 1;
      }
      return redeliveries;
    })();
    const rebuildStore = await live.open();
    const start = sent.n;
    let rounds = 0;
    let appended = 0;
    let resolved = 0;
    for (; rounds < 3 || sent.n - start < 40; rounds++) {
      const floor = appliedUpTo(await readOffsets(read.db, 'audit'), floorPartition) ?? '';
      const result = await rebuildAudit({
        store: rebuildStore,
        writeDb,
        readDb: read.db,
        decode,
        erasure: createErasureFence(writeDb),
        logger,
        batchSize: 50,
      });
      appended += result.appended;
      resolved += result.resolved;
      const after = appliedUpTo(await readOffsets(read.db, 'audit'), floorPartition) ?? '';
      t.ok(after >= floor, `rebuild ${rounds + 1}: the trail's offset did not move back`);
      t.equal(result.deadLetters, 0, `rebuild ${rounds + 1}: nothing failed again`);
    }
    const during = sent.n - start;
    state.on = false;
    await load;
    t.ok((await redeliver) > 3, 'the live trail was kept busy');
    const last = (await everything()).at(-1)?.globalPosition ?? 0;
    await waitFor(async () => (host.lastPosition() >= last ? true : undefined), 60_000, 'the live trail to drain');
    await subscription.stop();
    t.ok(rounds >= 3 && during >= 40, `${rounds} rebuilds, ${during} commands ran during them`);
    t.ok(appended >= open.length, `${appended} missing records appended`);
    t.ok(resolved >= open.length, `${resolved} dead letters resolved`);

    // From scratch: a fresh store, every event once.
    const events = await everything();
    const fresh = auditTrail({ store: scratch.store, writeDb, readDb: scratchRead.db, decode, runtime: runtime() });
    for (let at = 0; at < events.length; at += 500)
      await deliverUntilDone(fresh, asDeliveries(events.slice(at, at + 500)));

    const records = await all(live.store.stream({}));
    const derived = records.filter((record) => record.eventId !== query);
    const wanted = (await all(scratch.store.stream({}))).map(eventView).sort(byEventId);
    t.equal(derived.length, new Set(derived.map((record) => record.eventId)).size, 'no event recorded twice');
    t.equal(wanted.length, events.filter(audited).length, 'from scratch: one record per audited event');
    t.same(
      derived.map(eventView).sort(byEventId),
      wanted,
      'the trail equals a projection from scratch, record by record',
    );
    t.match(await verify(live.store, since), { ok: true, checked: records.length }, 'every chain verifies');

    // Records are evidence: none lost or altered, the audit query kept.
    const now = new Map(records.map((record) => [record.eventId, record]));
    const changed = before.filter((record) => {
      const kept = now.get(record.eventId);
      return kept?.hash !== record.hash || kept.chain !== record.chain || kept.seq !== record.seq;
    });
    t.same(changed, [], `the ${before.length} records there before are all there, unchanged`);
    t.ok(now.has(query), 'the record no event makes is kept');

    // The erased stay erased: their records, filled in by the rebuilds, are under pseudonyms.
    const theirs = events.filter((event) => event.userId !== null && erased.includes(event.userId) && audited(event));
    const filled = theirs.map((event) => now.get(event.eventId));
    t.ok(
      theirs.length > 0 && filled.every((record) => record !== undefined),
      `${theirs.length} records of erased users`,
    );
    t.ok(
      filled.every((record) => record?.salt === null && record.ipAddress === null && record.userAgent === null),
      'all under pseudonyms',
    );
    for (const userId of erased) t.same(await live.store.list({ userId }, 10), [], 'nothing under an erased id');

    const letters = await read.db.selectFrom('dead_letters').selectAll().execute();
    t.same(
      letters.filter((letter) => letter.replayed_at === null),
      [],
      'every dead letter resolved',
    );
    t.notOk(
      letters.some((letter) => letter.projection === auditRebuildName),
      'nothing left under the rebuild',
    );
  });
}
