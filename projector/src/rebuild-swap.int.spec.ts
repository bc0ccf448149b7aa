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

/**
 * Rebuilds `projection` several times while its live host consumes the bus and, besides,
 * keeps redelivering its last events (as Kafka does after a rebalance), so that a live batch
 * is waiting on its offsets whenever a swap commits. Afterwards every table equals a
 * projection built from scratch, row by row.
 */
async function rebuildUnderLoad<DB extends RuntimeTables>(
  t: Test,
  projection: Projection<DB>,
  live: Kysely<DB>,
  scratch: Kysely<DB>,
) {
  const host = hostProjection({
    projection,
    db: live,
    decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  const subscription = await bus.subscribe(host, { batchSize: 20 });
  const state = { on: true };
  const running = () => state.on;
  const sent = { n: 0 };
  const load = commandLoad(commands.app, running, sent);
  const redeliver = (async () => {
    let redeliveries = 0;
    while (running()) {
      const events = await readAll(writeDb, startOfLog, 1_000_000);
      const tail: Delivery[] = asDeliveries(events.slice(-30));
      if (tail.length > 0) await host.handle(tail).catch(() => undefined);
      redeliveries += 1;
    }
    return redeliveries;
  })();
  await waitFor(
    async () => ((await readAll(writeDb, startOfLog, 1_000_000)).length > 150 ? true : undefined),
    60_000,
    'some load',
  );
  // At least four rebuilds, and as many as it takes for commands to run during them.
  const before = sent.n;
  for (let round = 0; round < 4 || sent.n - before < 40; round++) {
    await rebuildProjection({ projection, writeDb, db: live, decode, logger, batchSize: 50, lanes: 2 });
  }
  const during = sent.n - before;
  state.on = false;
  await load;
  t.ok((await redeliver) > 4, 'the live projection was kept busy');
  await waitFor(
    async () => {
      const last = (await readAll(writeDb, startOfLog, 1_000_000)).at(-1);
      return last !== undefined && host.lastPosition() >= last.globalPosition ? true : undefined;
    },
    30_000,
    'the live projection to drain',
  );
  await subscription.stop();
  const fresh = hostProjection({
    projection,
    db: scratch,
    decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
  });
  await fresh.handle(asDeliveries(await readWholeLog(writeDb)));
  t.ok(during >= 40, `${during} commands ran during the rebuilds`);
  const tables = projection.tables;
  const [got, want] = [await tablesSnapshot(live, tables), await tablesSnapshot(scratch, tables)];
  for (const table of tables)
    t.same(got[table], want[table], `${projection.name}.${table} equals a rebuild from scratch`);
}

t.test('rebuilding the read model while it consumes and commands run: nothing applied twice', async (t) => {
  const live = await createTestDatabase<ReadModelTables>('read');
  const scratch = await createTestDatabase<ReadModelTables>('read');
  t.teardown(async () => {
    await live.drop();
    await scratch.drop();
  });
  await rebuildUnderLoad(t, readModelProjection, live.db, scratch.db);
});

t.test('rebuilding analytics while it consumes and commands run: weekly activity counted once', async (t) => {
  const live = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  const scratch = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  t.teardown(async () => {
    await live.drop();
    await scratch.drop();
  });
  const projection = analyticsProjection(await analyticsStore(live.db));
  await rebuildUnderLoad(t, projection, live.db, scratch.db);
});
