import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import type { Delivery } from '../bus/index.js';
import { createEventCodec, mindflowEvents } from '../events/index.js';
import type { RecordedEvent } from '../eventstore/index.js';
import { createTestDatabase, deletionDelivery, deliverUntilDone, quickRuntimeServices } from '../testing/index.js';
import { hostExternalProjection } from './external.js';
import { hostProjection } from './host.js';
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
      ...quickRuntimeServices(registry),
    }),
    hostExternalProjection(`${name}-external`, db, quickRuntimeServices(registry), (deliveries) =>
      external.record(deliveries.map((one) => one.event)),
    ),
  ].map((host) => ({ host, record }));
}

const seen = async (name: string) =>
  (await db.selectFrom('seen').select('event_id').where('projection', '=', name).execute()).map((row) => row.event_id);
const letters = (name: string) => db.selectFrom('dead_letters').selectAll().where('projection', '=', name).execute();

t.test('data the store refuses (SQLSTATE class 22) is dead-lettered at its first try, on every host', async (t) => {
  // A real driver error: jsonb refuses a lone surrogate.
  const refused: unknown = await sql`select ${'{"content":"x\\ud800y"}'}::jsonb`.execute(db).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.match(refused, { code: '22P02' }, 'PostgreSQL refused the text');
  const batch = Array.from({ length: 6 }, () => delivery());
  const bad = batch[2]?.event.eventId;
  const poison = (event: RecordedEvent) =>
    event.eventId === bad ? new Error('applying failed', { cause: refused }) : undefined;
  for (const { host } of hosts('bad-data', poison, new Registry())) {
    const failures = await deliverUntilDone(host, batch);
    t.equal(failures, 0, `${host.name}: the batch went through at its first delivery, no back-off`);
    t.match(await letters(host.name), [{ event_id: bad, attempts: 1 }], `${host.name}: dead-lettered after one try`);
    t.equal((await seen(host.name)).length, 5, `${host.name}: the others applied`);
  }
});

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
