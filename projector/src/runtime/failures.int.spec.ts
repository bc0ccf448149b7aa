import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { defaultRetention, openAuditStore } from '@mindflow/core/audit';
import type { Delivery } from '@mindflow/core/bus';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createEventCodec, mindflowEvents } from '@mindflow/core/events';
import { readAll, startOfLog, type RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { createTestDatabase } from '@mindflow/core/testing';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { auditTrail } from '../audit/projection.js';
import type { ReadModelTables } from '../read-model/tables.js';
import { writeSide } from '../database.js';
import { createDecoder } from '../decoder.js';
import { asDeliveries, deletionDelivery, signedInWriters } from '../testing.js';
import { hostExternalProjection } from './external.js';
import type { RuntimeServices } from './failures.js';
import { hostProjection, type HostedProjection } from './host.js';
import { createProjectionMetrics } from './metrics.js';
import type { Projection } from './projection.js';
import type { RuntimeTables } from './tables.js';

type Tables = RuntimeTables & { seen: { projection: string; event_id: string } };

const store = await createTestDatabase<Tables>('read');
t.teardown(() => store.drop());
const { db } = store;
await sql`create table seen (projection text not null, event_id uuid not null, primary key (projection, event_id))`.execute(
  db,
);
const codec = createEventCodec(mindflowEvents);
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const services = (registry: Registry): RuntimeServices => ({
  metrics: createProjectionMetrics(registry),
  logger,
  maxAttempts: 3,
  backoffMs: () => 1,
});

let position = 0;
const delivery = (): Delivery => deletionDelivery(++position);

/** Records each event it applies; `fail` decides, per event, what it throws instead. */
function recording(name: string, fail: (event: RecordedEvent) => Error | undefined) {
  const record = async (events: readonly RecordedEvent[]) => {
    for (const event of events) {
      const error = fail(event);
      if (error !== undefined) throw error;
    }
    if (events.length > 0)
      await db
        .insertInto('seen')
        .values(events.map((event) => ({ projection: name, event_id: event.eventId })))
        .onConflict((conflict) => conflict.doNothing())
        .execute();
  };
  const projection: Projection<Tables> = { name, tables: ['seen'], apply: (_trx, events) => record(events) };
  return { projection, record };
}

/** Both kinds of host around one failing store: in the projection's transaction, and outside it. */
function hosts(name: string, fail: (event: RecordedEvent) => Error | undefined, registry: Registry) {
  const { projection, record } = recording(`${name}-pg`, fail);
  const external = recording(`${name}-external`, fail);
  return [
    hostProjection({
      projection,
      db,
      decode: async (event) => codec.decode(event, undefined),
      ...services(registry),
    }),
    hostExternalProjection(`${name}-external`, db, services(registry), (deliveries) =>
      external.record(deliveries.map((one) => one.event)),
    ),
  ].map((host) => ({ host, record }));
}

/** Delivers the batch again until it goes through (as the bus does); the failed deliveries. */
async function deliverUntilDone(host: HostedProjection, batch: readonly Delivery[], limit = 200): Promise<number> {
  let failures = 0;
  for (; failures < limit; failures++) {
    try {
      await host.handle(batch);
      return failures;
    } catch {
      // delivered again below
    }
  }
  return failures;
}

const seen = async (name: string) =>
  (await db.selectFrom('seen').select('event_id').where('projection', '=', name).execute()).map((row) => row.event_id);
const letters = (name: string) => db.selectFrom('dead_letters').selectAll().where('projection', '=', name).execute();

t.test('k bad events in a batch cost about k × N deliveries, on every host', async (t) => {
  const batch = Array.from({ length: 8 }, () => delivery());
  const bad = new Set([1, 3, 6].map((index) => batch[index]?.event.eventId ?? ''));
  const poison = (event: RecordedEvent) => (bad.has(event.eventId) ? new Error('cannot be applied') : undefined);
  for (const { host } of hosts('k-bad', poison, new Registry())) {
    const failures = await deliverUntilDone(host, batch);
    t.ok(failures <= bad.size * 3, `${host.name}: ${failures} failed deliveries for 3 bad events, N = 3`);
    t.same(
      new Set((await letters(host.name)).map((letter) => letter.event_id)),
      bad,
      `${host.name}: each dead-lettered`,
    );
    t.equal(
      (await letters(host.name)).every((letter) => letter.attempts === 3),
      true,
      'after N tries each',
    );
    t.equal((await seen(host.name)).length, batch.length - bad.size, `${host.name}: every other event applied`);
  }
});

t.test('an engine away (a retriable error) is waited out however long, never dead-lettered', async (t) => {
  const registry = new Registry();
  // The outage hits one event (the engine it needs is away), longer than N tries.
  const outage = { left: 0, target: '' };
  const away = (error: Error) => (event: RecordedEvent) =>
    event.eventId === outage.target && outage.left-- > 0 ? error : undefined;
  const kinds = {
    net: away(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    pg: away(
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
        severity: 'FATAL',
      }),
    ),
  };
  for (const [kind, fail] of Object.entries(kinds)) {
    for (const { host } of hosts(`outage-${kind}`, fail, registry)) {
      const batch = [delivery(), delivery(), delivery()];
      outage.target = batch[0]?.event.eventId ?? '';
      outage.left = 12;
      const failures = await deliverUntilDone(host, batch);
      t.ok(failures >= 4, `${host.name}: ${failures} failed deliveries during the outage`);
      t.same(await letters(host.name), [], `${host.name}: nothing dead-lettered`);
      t.equal((await seen(host.name)).length, 3, `${host.name}: every event applied once the engine is back`);
    }
  }
  t.match(await registry.metrics(), /mindflow_projection_retries_total\{projection="outage-net-pg"\} \d+/);
});

t.test('a poison event for the audit trail is dead-lettered after N tries; the next events apply', async (t) => {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase<ReadModelTables>('read');
  const auditSide = connectPostgres('read', read.url, 2);
  t.teardown(async () => {
    await auditSide.close();
    await read.drop();
    await commands.close();
  });
  const writeDb = writeSide(commands.db);
  const [writer] = await signedInWriters(commands.app, 1);
  for (const day of ['2026-04-01', '2026-04-02', '2026-04-03']) {
    await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${writer?.token ?? ''}` },
      payload: { date: day, title: day, content: 'words' },
    });
  }
  const events = await readAll(writeDb, startOfLog, 10_000);
  const created = events.filter((event) => event.type === 'EntryCreated');
  const poisoned = created[1];
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
  const audit = await openAuditStore({ mongo: undefined, readDb: auditSide.db }, defaultRetention);
  const trail = auditTrail({
    store: audit,
    writeDb,
    readDb: read.db,
    decode: async (event) => {
      if (event.eventId === poisoned?.eventId) throw new Error('this record cannot be written');
      return decode(event);
    },
    runtime: services(new Registry()),
  });
  const failures = await deliverUntilDone(trail, asDeliveries(events), 20);
  t.equal(failures, 2, 'two failed deliveries, then given up on');
  const dead = await read.db.selectFrom('dead_letters').selectAll().execute();
  t.match(dead, [{ projection: 'audit', event_id: poisoned?.eventId, attempts: 3, error: /cannot be written/ }]);
  const recorded = new Set((await audit.list({}, 1_000)).map((record) => record.eventId));
  t.ok(recorded.has(created[0]?.eventId ?? '') && recorded.has(created[2]?.eventId ?? ''), 'the events around it');
  t.notOk(recorded.has(poisoned?.eventId ?? ''));
});
