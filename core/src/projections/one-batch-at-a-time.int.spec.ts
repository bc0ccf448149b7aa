import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import type { Delivery } from '../bus/index.js';
import { createEventCodec, mindflowEvents } from '../events/index.js';
import { createTestDatabase, deletionDelivery, quickRuntimeServices } from '../testing/index.js';
import { hostExternalProjection } from './external.js';
import { hostProjection } from './host.js';
import { oneBatchAtATime } from './one-batch-at-a-time.js';
import type { RuntimeTables } from './tables.js';

type Tables = RuntimeTables & { applied: { projection: string; event_id: string } };

const store = await createTestDatabase<Tables>('read');
t.teardown(() => store.drop());
const { db } = store;
await sql`create table applied (projection text not null, event_id uuid not null)`.execute(db);
const codec = createEventCodec(mindflowEvents);

let position = 0;
const delivery = (): Delivery => deletionDelivery(++position);

/** A store that takes its time, remembering how many batches it had in hand at once. */
function slowStore(name: string) {
  const state = { inHand: 0, most: 0 };
  const apply = async (eventIds: readonly string[]) => {
    state.inHand += 1;
    state.most = Math.max(state.most, state.inHand);
    await sleep(100);
    if (eventIds.length > 0)
      await db
        .insertInto('applied')
        .values(eventIds.map((event_id) => ({ projection: name, event_id })))
        .execute();
    state.inHand -= 1;
  };
  return { state, apply };
}

const appliedTimes = async (name: string) => {
  const rows = await db
    .selectFrom('applied')
    .select(['event_id', db.fn.countAll<string>().as('times')])
    .where('projection', '=', name)
    .groupBy('event_id')
    .execute();
  return rows.map((row) => Number(row.times));
};

// The consumer and the event-store follower of one process can hand a projection the same
// events at once (the follower stops only after the consumer has joined its group).
t.test('two paths handing a host the same batch at once: one applies it, the other finds it done', async (t) => {
  const external = slowStore('external');
  const inDatabase = slowStore('in-database');
  const hosts = [
    hostExternalProjection('external', db, quickRuntimeServices(new Registry()), (deliveries) =>
      external.apply(deliveries.map((one) => one.event.eventId)),
    ),
    hostProjection({
      projection: {
        name: 'in-database',
        tables: ['applied'],
        apply: (_trx, events) => inDatabase.apply(events.map((event) => event.eventId)),
      },
      db,
      decode: async (event) => codec.decode(event, undefined),
      ...quickRuntimeServices(new Registry()),
    }),
  ];
  for (const [host, { state }] of [
    [hosts[0], external],
    [hosts[1], inDatabase],
  ] as const) {
    if (host === undefined) continue;
    const batch = [delivery(), delivery(), delivery()];
    await Promise.all([host.handle(batch), host.handle(batch), host.handle(batch.slice(1))]);
    t.equal(state.most, 1, `${host.name}: one batch in hand at a time`);
    t.same(await appliedTimes(host.name), [1, 1, 1], `${host.name}: each event applied once`);
  }
});

t.test('a batch in hand longer than the warning interval is logged, again while it lasts', async (t) => {
  const lines: { msg: string; projection: string; inHandMs: number; events: number }[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    }),
  );
  const handle = oneBatchAtATime('stuck', logger, () => sleep(260), 100);
  await handle([delivery(), delivery()]);
  t.equal(lines.length, 2, 'logged at 100 and 200 ms, then no more once it settled');
  t.match(lines[0], { msg: 'projection: a batch is still in hand', projection: 'stuck', events: 2 });
  t.ok((lines[1]?.inHandMs ?? 0) >= 200, 'the second line says how long it has been');
  await sleep(250);
  t.equal(lines.length, 2, 'nothing after the batch settled');
});

t.test('a batch that fails lets the next one take its turn', async (t) => {
  const order: string[] = [];
  let calls = 0;
  const handle = oneBatchAtATime('failing', pino({ level: 'silent' }), async () => {
    calls += 1;
    const call = calls;
    order.push(`start ${call}`);
    await sleep(20);
    order.push(`end ${call}`);
    if (call === 1) throw new Error('the store refused');
  });
  const results = await Promise.allSettled([handle([delivery()]), handle([delivery()])]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'fulfilled'],
  );
  t.same(order, ['start 1', 'end 1', 'start 2', 'end 2'], 'the second began after the first ended');
});
