import { randomUUID } from 'node:crypto';
import type { Delivery } from '../bus/index.js';
import { createEventCodec, mindflowEvents } from '../events/index.js';
import { createLogger } from '../logging/index.js';
import { createTestDatabase, deletionDelivery } from '../testing/index.js';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { hostProjection } from './host.js';
import { createProjectionMetrics } from './metrics.js';
import type { Projection } from './projection.js';
import type { RuntimeTables } from './tables.js';

type Tables = RuntimeTables & { deletions: { user_id: string; n: number } };

const store = await createTestDatabase<Tables>('read');
t.teardown(() => store.drop());
const { db } = store;
await sql`create table deletions (user_id uuid primary key, n integer not null)`.execute(db);
const codec = createEventCodec(mindflowEvents);
const registry = new Registry();
const metrics = createProjectionMetrics(registry);
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const poison = new Set<string>();

// Counts EntryDeleted events per user; throws on the events in `poison`.
const counting: Projection<Tables> = {
  name: 'deletions',
  tables: ['deletions'],
  apply: async (trx, events) => {
    for (const event of events) {
      if (poison.has(event.eventId)) throw new Error('this event cannot be applied');
      if (event.type !== 'EntryDeleted' || event.userId === null) continue;
      await trx
        .insertInto('deletions')
        .values({ user_id: event.userId, n: 1 })
        .onConflict((conflict) => conflict.column('user_id').doUpdateSet((eb) => ({ n: eb('deletions.n', '+', 1) })))
        .execute();
    }
  },
};
const host = hostProjection({
  projection: counting,
  db,
  decode: async (event) => codec.decode(event, undefined),
  metrics,
  logger,
  maxAttempts: 3,
  backoffMs: () => 1,
});

let position = 0;
const delivery = (userId: string, partition = '0'): Delivery => deletionDelivery(++position, userId, partition);
const count = async (userId: string) =>
  (await db.selectFrom('deletions').select('n').where('user_id', '=', userId).executeTakeFirst())?.n ?? 0;

t.test('every event applied twice changes nothing the second time; offsets commit with the effects', async (t) => {
  const user = randomUUID();
  const batch = [delivery(user), delivery(user, '1'), delivery(user)];
  await host.handle(batch);
  await host.handle(batch);
  for (const single of batch) await host.handle([single]);
  t.equal(await count(user), 3);
  const offsets = await host.offsets();
  t.equal(offsets.get('0'), batch[2]?.offset);
  t.equal(offsets.get('1'), batch[1]?.offset);
});

t.test('a poison event is retried, then dead-lettered with its error, and the rest flows on', async (t) => {
  const user = randomUUID();
  const first = delivery(user);
  const bad = delivery(user);
  poison.add(bad.event.eventId);
  const batch = [first, bad, delivery(user)];
  let failures = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await host.handle(batch);
      break;
    } catch {
      failures += 1;
    }
  }
  t.equal(failures, 2, 'two failed deliveries, then given up on');
  t.equal(await count(user), 2, 'the events around it were applied once');
  const letters = await db.selectFrom('dead_letters').selectAll().where('event_id', '=', bad.event.eventId).execute();
  t.equal(letters.length, 1);
  t.match(letters[0], { projection: 'deletions', attempts: 3, error: /cannot be applied/ });
  const text = await registry.metrics();
  t.match(text, /mindflow_projection_dead_letters_total\{projection="deletions"\} 1/);
  t.match(text, /mindflow_projection_errors_total\{projection="deletions"\} 3/);
});
