import type { Delivery } from '@mindflow/core/bus';
import { readAll, startOfLog } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { createTestDatabase, readWholeLog, waitFor } from '@mindflow/core/testing';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { analyticsProjection } from './analytics/projection.js';
import { analyticsStore } from './analytics/store.js';
import type { AnalyticsProjectionTables } from './analytics/tables.js';
import {
  hostProjection,
  createProjectionMetrics,
  type Projection,
  type RuntimeTables,
} from '@mindflow/core/projections';
import { readModelProjection } from './read-model/projection.js';
import type { ReadModelTables } from './read-model/tables.js';
import { rebuildProjection } from './rebuild.js';
import { asDeliveries, commandsWithBus, commandLoad, tablesSnapshot } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const { commands, writeDb, decode, bus, close } = await commandsWithBus(logger);
t.teardown(close);

/** A projection, the database it lives in, and an empty one to build it from scratch in. */
interface Target<DB extends RuntimeTables> {
  readonly projection: Projection<DB>;
  readonly live: Kysely<DB>;
  readonly scratch: Kysely<DB>;
}

/**
 * Rebuilds the `targets`' projections several times, all at once, while their live hosts
 * consume the bus and, besides, keep redelivering their last events (as Kafka does after a
 * rebalance), so that a live batch is waiting on its offsets whenever a swap commits.
 * Afterwards every table equals a projection built from scratch, row by row.
 */
async function rebuildUnderLoad(t: Test, targets: readonly Target<RuntimeTables>[]) {
  const live = targets.map(({ projection, live: db }) =>
    hostProjection({ projection, db, decode, metrics: createProjectionMetrics(new Registry()), logger }),
  );
  const subscriptions = await Promise.all(live.map((host) => bus.subscribe(host, { batchSize: 20 })));
  const state = { on: true };
  const running = () => state.on;
  const sent = { n: 0 };
  const load = commandLoad(commands.app, running, sent);
  const redeliver = (async () => {
    let redeliveries = 0;
    while (running()) {
      const events = await readAll(writeDb, startOfLog, 1_000_000);
      const tail: Delivery[] = asDeliveries(events.slice(-30));
      if (tail.length > 0) await Promise.all(live.map((host) => host.handle(tail).catch(() => undefined)));
      redeliveries += 1;
    }
    return redeliveries;
  })();
  await waitFor(
    async () => ((await readAll(writeDb, startOfLog, 1_000_000)).length > 150 ? true : undefined),
    60_000,
    'some load',
  );
  // At least four rounds, and as many as it takes for commands to run during them.
  const before = sent.n;
  for (let round = 0; round < 4 || sent.n - before < 40; round++) {
    await Promise.all(
      targets.map(({ projection, live: db }) =>
        rebuildProjection({ projection, writeDb, db, decode, logger, batchSize: 50, lanes: 2 }),
      ),
    );
  }
  const during = sent.n - before;
  state.on = false;
  await load;
  t.ok((await redeliver) > 4, 'the live projections were kept busy');
  const last = (await readAll(writeDb, startOfLog, 1_000_000)).at(-1);
  await waitFor(
    async () =>
      last === undefined || live.every((host) => host.lastPosition() >= last.globalPosition) ? true : undefined,
    30_000,
    'the live projections to drain',
  );
  await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  t.ok(during >= 40, `${during} commands ran during the rebuilds`);
  for (const { projection, live: db, scratch } of targets) {
    const fresh = hostProjection({
      projection,
      db: scratch,
      decode,
      metrics: createProjectionMetrics(new Registry()),
      logger,
    });
    await fresh.handle(asDeliveries(await readWholeLog(writeDb)));
    const tables = projection.tables;
    const [got, want] = [await tablesSnapshot(db, tables), await tablesSnapshot(scratch, tables)];
    for (const table of tables)
      t.same(got[table], want[table], `${projection.name}.${table} equals a rebuild from scratch`);
  }
}

/** A target in two fresh databases of `schema`, dropped at the end of `t`. */
async function target<DB extends RuntimeTables>(
  t: Test,
  schema: 'read' | 'analytics',
  projection: (live: Kysely<DB>) => Promise<Projection<DB>> | Projection<DB>,
): Promise<Target<RuntimeTables>> {
  const live = await createTestDatabase<DB>(schema);
  const scratch = await createTestDatabase<DB>(schema);
  t.teardown(async () => {
    await live.drop();
    await scratch.drop();
  });
  return bindTarget({ projection: await projection(live.db), live: live.db, scratch: scratch.db });
}

function bindTarget<DB extends RuntimeTables>(target: Target<DB>): Target<RuntimeTables> {
  return target as unknown as Target<RuntimeTables>;
}

t.test('rebuilding the read model while it consumes and commands run: nothing applied twice', async (t) => {
  await rebuildUnderLoad(t, [await target<ReadModelTables>(t, 'read', () => readModelProjection)]);
});

t.test('rebuilding analytics while it consumes and commands run: weekly activity counted once', async (t) => {
  await rebuildUnderLoad(t, [
    await target<AnalyticsProjectionTables>(t, 'analytics', async (db) =>
      analyticsProjection(await analyticsStore(db)),
    ),
  ]);
});

t.test('the read model and analytics rebuilt side by side, again and again, under load: both exact', async (t) => {
  await rebuildUnderLoad(t, [
    await target<ReadModelTables>(t, 'read', () => readModelProjection),
    await target<AnalyticsProjectionTables>(t, 'analytics', async (db) =>
      analyticsProjection(await analyticsStore(db)),
    ),
  ]);
});
