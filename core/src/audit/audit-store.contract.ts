import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Test } from 'tap';
import { v7 } from 'uuid';
import { chainOf } from './chain.js';
import type { AuditRetention } from './options.js';
import type { AuditRecord, AuditStore, NewAuditRecord } from './types.js';
import { verifyChains } from './verify.js';

/** What a suite needs from an adapter: a fresh store, and raw access to tamper with it. */
export interface AuditHarness {
  open(retention: AuditRetention): Promise<AuditStore>;
  /** Changes a stored field behind the store's back. */
  modify(eventId: string, field: 'action' | 'userId' | 'ipAddress', value: string): Promise<void>;
  remove(eventId: string): Promise<void>;
  /** Exchanges the positions of two records of a chain. */
  swap(first: string, second: string): Promise<void>;
  /** Drops every record, chain, salt and hold: between tests. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

// What the heap holds, not what is merely not yet collected: a collection before each sample.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const long: AuditRetention = { auditLogs: 7 * 365 * 86_400, applicationLogs: 30 * 86_400, apiRequests: 90 * 86_400 };

let sequence = 0;
export function newRecord(overrides: Partial<NewAuditRecord> = {}): NewAuditRecord {
  sequence += 1;
  return {
    eventId: v7(),
    userId: 'u-ana',
    actorId: 'u-ana',
    actorRole: 'user',
    action: 'ENTRY_CREATE',
    timestamp: new Date(Date.UTC(2026, 10, 22, 9, 0, sequence % 60)),
    metadata: { entryId: `e-${sequence}` },
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux) Firefox/140',
    requestId: `req-${sequence}`,
    dataCategory: 'journal',
    ...overrides,
  };
}

/** The item at `index`; the suite's own data, so it is there. */
function at(items: readonly string[], index: number): string {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const today = () => chainOf(new Date());
const verify = async (store: AuditStore, now?: Date) =>
  verifyChains(store.chainRecords(today(), today()), await store.chainHeads(today(), today()), now);

/** The audit store contract: every adapter must pass it, against its real server. */
export function auditStoreContract(t: Test, harness: AuditHarness): void {
  let store: AuditStore;
  t.before(async () => {
    store = await harness.open(long);
  });
  t.afterEach(() => harness.clear());
  t.teardown(async () => {
    await store.close();
    await harness.close();
  });

  t.test('one record per event: redelivered batches, overlapping batches and a replay add nothing', async (t) => {
    const records = Array.from({ length: 30 }, () => newRecord());
    t.same(await store.append(records.slice(0, 20)), { appended: 20 });
    t.same(await store.append(records.slice(10, 30)), { appended: 10 }, 'the overlap is skipped');
    t.same(await store.append(records), { appended: 0 }, 'a replay appends nothing');
    t.same(await store.append([...records.slice(0, 1), ...records.slice(0, 1)]), { appended: 0 });
    const stored = await all(store.stream({}));
    t.equal(stored.length, 30);
    t.equal(new Set(stored.map((record) => record.eventId)).size, 30);
    const report = await verify(store);
    t.same(report, { ok: true, checked: 30, chains: 1 });
  });

  t.test('a redelivered batch whose stored records are not a prefix of it: every new record is appended', async (t) => {
    // After a crash a batch can come back with other events between those already stored
    // (events of two partitions, merged in another order): stored, new, stored, stored, new.
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => newRecord());
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined) {
      throw new Error('five records');
    }
    t.same(await store.append([a, c, d]), { appended: 3 });
    t.same(await store.append([a, b, c, d, e]), { appended: 2 }, 'b and e, not e alone');
    const stored = await all(store.stream({}));
    t.same(
      new Set(stored.map((record) => record.eventId)),
      new Set([a, b, c, d, e].map((record) => record.eventId)),
      'none lost',
    );
    t.same(await verify(store), { ok: true, checked: 5, chains: 1 });
  });

  t.test('concurrent writers share one unbroken chain', async (t) => {
    const batches = Array.from({ length: 6 }, () => Array.from({ length: 15 }, () => newRecord()));
    const results = await Promise.all(batches.map((batch) => store.append(batch)));
    t.same(
      results.map((result) => result.appended),
      [15, 15, 15, 15, 15, 15],
    );
    const chain = await all(store.chainRecords(today(), today()));
    t.same(
      chain.map((record) => record.seq),
      Array.from({ length: chain.length }, (_, index) => (chain[0]?.seq ?? 0) + index),
    );
    t.match(await verify(store), { ok: true, checked: 90 });
  });

  t.test('concurrent writers with large batches: the chain has no gap', async (t) => {
    const writer = async () => {
      for (let round = 0; round < 3; round += 1) await store.append(Array.from({ length: 250 }, () => newRecord()));
    };
    await Promise.all([writer(), writer()]);
    t.match(await verify(store), { ok: true, checked: 1_500 });
  });

  t.test('records carry the spec fields, a hash chain and pseudonyms', async (t) => {
    const [first, second] = [
      newRecord({ metadata: { entryId: 'e-1', changes: { mood: { before: 'sad', after: 'happy' } } } }),
      newRecord(),
    ];
    await store.append([first, second]);
    const [a, b] = await all(store.chainRecords(today(), today()));
    t.match(a, {
      eventId: first.eventId,
      userId: 'u-ana',
      action: 'ENTRY_CREATE',
      timestamp: first.timestamp,
      metadata: { entryId: 'e-1', changes: { mood: { before: 'sad', after: 'happy' } } },
      ipAddress: '203.0.113.7',
      dataCategory: 'journal',
      retention: `P${7 * 365}D`,
      legalHold: false,
      chain: today(),
    });
    t.equal(a?.expiresAt?.getTime(), (a?.recordedAt.getTime() ?? 0) + long.auditLogs * 1000, 'kept from when recorded');
    t.equal(b?.prevHash, a?.hash, 'each record names the hash of the one before');
    t.match(a?.hash, /^[0-9a-f]{64}$/);
    t.not(a?.pseudonyms.userId, 'u-ana');
    t.equal(a?.pseudonyms.userId, b?.pseudonyms.userId, 'one pseudonym per subject');
  });

  t.test('list: filters by user, action, time and words, newest first, with keyset pages', async (t) => {
    const records = [
      newRecord({
        userId: 'u-bob',
        actorId: 'u-bob',
        action: 'LOGIN',
        metadata: {},
        timestamp: new Date('2026-11-01T08:00:00Z'),
      }),
      newRecord({
        action: 'ENTRY_DELETE',
        metadata: { entryId: 'e-9', reason: 'duplicate draft' },
        timestamp: new Date('2026-11-02T08:00:00Z'),
      }),
      newRecord({ action: 'ENTRY_CREATE', timestamp: new Date('2026-11-03T08:00:00Z') }),
      newRecord({ action: 'ENTRY_CREATE', timestamp: new Date('2026-11-03T08:00:00Z') }),
      newRecord({ action: 'LOGIN', metadata: {}, timestamp: new Date('2026-11-04T08:00:00Z') }),
    ];
    await store.append(records);
    const ids = (found: AuditRecord[]) => found.map((record) => record.eventId);
    const [bobLogin, deletion, create1, create2, anaLogin] = records.map((record) => record.eventId);
    t.same(ids(await store.list({ userId: 'u-bob' }, 10)), [bobLogin]);
    t.same(ids(await store.list({ action: 'LOGIN' }, 10)), [anaLogin, bobLogin]);
    t.equal(await store.count({ action: 'LOGIN' }), 2);
    t.equal(await store.count({ text: 'duplicate' }), 1);
    t.same(
      ids(await store.list({ from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-04T00:00:00Z') }, 10)),
      [create2, create1, deletion],
      'the same time: the later id first',
    );
    t.same(ids(await store.list({ text: 'Duplicate' }, 10)), [deletion], 'a word of the metadata, any case');
    t.same(ids(await store.list({ text: 'entry delete draft' }, 10)), [deletion], 'every word must match');
    t.same(ids(await store.list({ text: 'draft login' }, 10)), []);
    t.same(ids(await store.list({ text: '203.0.113.7 u-bob' }, 10)), [bobLogin], 'ip and user words');

    const pages: string[] = [];
    let page = await store.list({}, 2);
    while (page.length > 0) {
      pages.push(...ids(page));
      const [last] = page.slice(-1) as [AuditRecord];
      page = await store.list({}, 2, { timestamp: last.timestamp, eventId: last.eventId });
    }
    t.same(pages, ids(await store.list({}, 10)), 'pages of two walk the same order without repeats');
    t.equal(pages.length, 5);
  });

  t.test('verify names a modified, a deleted and a swapped record', async (t) => {
    const check = async (tamper: (ids: string[]) => Promise<void>, expected: object) => {
      await harness.clear();
      const records = Array.from({ length: 8 }, () => newRecord());
      await store.append(records);
      const chain = await all(store.chainRecords(today(), today()));
      const ids = chain.map((record) => record.eventId);
      t.match(await verify(store), { ok: true });
      await tamper(ids);
      const report = await verify(store);
      t.equal(report.ok, false);
      t.match(report.firstBrokenAt, { chain: today(), ...expected });
      return chain;
    };
    let chain = await check((ids) => harness.modify(at(ids, 2), 'action', 'LOGIN'), {
      problem: 'altered',
    });
    t.match((await verify(store)).firstBrokenAt, { seq: chain[2]?.seq, eventId: chain[2]?.eventId });
    chain = await check((ids) => harness.modify(at(ids, 4), 'userId', 'u-mallory'), { problem: 'altered' });
    t.match((await verify(store)).firstBrokenAt, { eventId: chain[4]?.eventId, detail: /userId/ });
    chain = await check((ids) => harness.modify(at(ids, 1), 'ipAddress', '198.51.100.1'), { problem: 'altered' });
    t.match((await verify(store)).firstBrokenAt, { eventId: chain[1]?.eventId, detail: /ipAddress/ });
    chain = await check((ids) => harness.remove(at(ids, 3)), { problem: 'missing', eventId: null });
    t.equal((await verify(store)).firstBrokenAt?.seq, chain[3]?.seq);
    chain = await check((ids) => harness.remove(at(ids, 7)), { problem: 'missing' });
    t.equal((await verify(store)).firstBrokenAt?.seq, chain[7]?.seq, 'the last record removed');
    chain = await check((ids) => harness.swap(at(ids, 2), at(ids, 5)), { problem: 'reordered' });
    t.equal((await verify(store)).firstBrokenAt?.seq, chain[2]?.seq);
  });

  t.test('expiry: the sweeper removes what retention allows, never what a legal hold covers', async (t) => {
    const short = await harness.open({ auditLogs: 1, applicationLogs: 1, apiRequests: 1 });
    t.teardown(() => short.close());
    const later = new Date(Date.now() + 10_000);
    const held = Array.from({ length: 3 }, () => newRecord({ userId: 'u-held', actorId: 'u-held' }));
    const free = Array.from({ length: 4 }, () => newRecord({ userId: 'u-free', actorId: 'u-free' }));
    t.same(
      await short.placeHold({ userId: 'u-held', reason: 'case 42', placedBy: 'u-officer', placedAt: new Date() }),
      {
        records: 0,
      },
    );
    await short.append([held[0], free[0], free[1], held[1], free[2], held[2], free[3]] as NewAuditRecord[]);
    t.match(await short.holds(), [{ userId: 'u-held', reason: 'case 42', placedBy: 'u-officer' }]);
    t.same(await short.sweep(new Date(Date.now() - 5_000)), { audit_logs: 0, application_logs: 0, api_requests: 0 });

    const swept = await short.sweep(later);
    t.equal(swept.audit_logs, 4, 'the four expired records of the subject without a hold');
    const left = await all(short.stream({}));
    t.same(left.map((record) => record.eventId).sort(), held.map((record) => record.eventId).sort());
    t.ok(left.every((record) => record.legalHold && record.expiresAt === null));
    t.match(await verify(short, later), { ok: true, checked: 3 }, 'gaps left by retention are not reported');
    t.match(await verify(short), { ok: false, firstBrokenAt: { problem: 'missing' } }, 'but are before expiry');

    t.same(await short.liftHold('u-held'), { records: 3 });
    t.same(await short.holds(), []);
    t.equal((await short.sweep(later)).audit_logs, 3, 'once lifted, the expired records go too');
    t.same(await all(short.stream({})), []);
    t.match(await verify(short, later), { ok: true, checked: 0 });

    const time = new Date();
    await short.appendApplicationLogs([
      { time, level: 'info', service: 'test', message: 'old', requestId: null, context: {} },
      { time: later, level: 'info', service: 'test', message: 'new', requestId: null, context: {} },
    ]);
    await short.appendApiRequests([
      {
        time,
        service: 'test',
        requestId: 'r1',
        method: 'GET',
        path: '/v1/entries',
        query: {},
        body: null,
        status: 200,
        durationMs: 3.5,
        responseBytes: 120,
        userId: 'u-free',
        ip: '203.0.113.7',
      },
    ]);
    const logsSwept = await short.sweep(new Date(later.getTime() - 1));
    t.same([logsSwept.application_logs, logsSwept.api_requests], [1, 1]);
    t.match(await short.readLogs('application_logs', 10), [{ message: 'new', service: 'test', level: 'info' }]);
    t.same(await short.readLogs('api_requests', 10), []);
  });

  t.test('placing a hold covers records already written', async (t) => {
    await store.append([newRecord({ userId: 'u-case' }), newRecord({ userId: 'u-case' }), newRecord()]);
    t.same(
      await store.placeHold({ userId: 'u-case', reason: 'subpoena', placedBy: 'u-officer', placedAt: new Date() }),
      {
        records: 2,
      },
    );
    const records = await store.list({ userId: 'u-case' }, 10);
    t.ok(records.every((record) => record.legalHold && record.expiresAt === null));
    t.match(await verify(store), { ok: true }, 'a hold changes no hash');
    await store.liftHold('u-case');
  });

  t.test('erasure pseudonymizes the subject and the chain still verifies', async (t) => {
    const mine = [
      newRecord({ userId: 'u-gone', actorId: 'u-gone' }),
      newRecord({ userId: 'u-gone', actorId: 'u-gone' }),
    ];
    const theirs = newRecord({ userId: 'u-stays', actorId: 'u-stays' });
    await store.append([mine[0], theirs, mine[1]] as NewAuditRecord[]);
    await store.appendApiRequests([
      {
        time: new Date(),
        service: 'test',
        requestId: 'r-gone',
        method: 'GET',
        path: '/v1/entries',
        query: {},
        body: null,
        status: 200,
        durationMs: 1,
        responseBytes: 10,
        userId: 'u-gone',
        ip: '203.0.113.7',
      },
    ]);
    t.same(await store.pseudonymize('u-gone'), { records: 2 });
    t.same(await store.list({ userId: 'u-gone' }, 10), [], 'no record is found by the erased id');
    t.same(await store.list({ text: 'u-gone' }, 10), []);
    const erased = (await all(store.stream({}))).filter((record) => record.eventId !== theirs.eventId);
    t.equal(erased.length, 2);
    for (const record of erased) {
      t.equal(record.userId, record.pseudonyms.userId, 'the user id is its pseudonym');
      t.same([record.ipAddress, record.userAgent, record.salt], [null, null, null]);
      t.equal(record.action, 'ENTRY_CREATE', 'action and time are kept');
    }
    t.equal(erased[0]?.userId, erased[1]?.userId, 'still one pseudonym for the subject');
    t.same(await store.list({ userId: erased[0]?.userId ?? '' }, 10).then((found) => found.length), 2);
    t.match(await verify(store), { ok: true }, 'hashes cover pseudonyms, so erasure breaks nothing');
    t.same(
      (await store.readLogs('api_requests', 10)).filter((row) => row.userId === 'u-gone'),
      [],
      'their API requests are gone',
    );
  });

  t.test('an export of 100,000 records streams in constant memory', async (t) => {
    const total = 100_000;
    for (let start = 0; start < total; start += 2_000) {
      await store.append(Array.from({ length: 2_000 }, (_, index) => newRecord({ metadata: { n: start + index } })));
    }
    const retained = () => {
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const baseline = retained();
    let peak = baseline;
    let count = 0;
    let bytes = 0;
    let previous = '';
    let ordered = true;
    for await (const record of store.stream({})) {
      bytes += JSON.stringify(record).length + 1;
      const key = `${record.timestamp.toISOString()}|${record.eventId}`;
      ordered &&= key > previous;
      previous = key;
      count += 1;
      if (count % 10_000 === 0) peak = Math.max(peak, retained());
    }
    t.equal(count, total, 'every record');
    t.ok(ordered, 'oldest first, no repeats');
    const grown = (peak - baseline) / 2 ** 20;
    t.ok(bytes > 80 * 2 ** 20, `the export is large: ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    t.ok(grown < 16, `the live heap grew by ${grown.toFixed(1)} MiB at most while streaming it`);
  });

  t.test('the store reports what it can do', async (t) => {
    t.match(store.capabilities, { adapter: /^(mongodb|postgres)$/, ttl: Boolean, textIndex: Boolean, server: String });
  });
}
