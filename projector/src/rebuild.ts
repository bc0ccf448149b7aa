import { logOffset } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readAll, startOfLog, type Checkpoint, type RecordedEvent } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import type { ReadModelTables } from './read-model/tables.js';
import { hostProjection } from './runtime/host.js';
import { createProjectionMetrics } from './runtime/metrics.js';
import type { Projection } from './runtime/projection.js';
import type { WriteSide } from './service.js';

export interface RebuildOptions {
  readonly projection: Projection<ReadModelTables>;
  readonly writeDb: Kysely<WriteSide>;
  readonly readDb: Kysely<ReadModelTables>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Called after each batch: events done, and the total counted at the start. */
  readonly onProgress?: (done: number, total: number) => void;
}

const runtimeTables = ['projection_offsets', 'dead_letters'];

/**
 * Rebuilds a projection from the event store (not the bus) into a shadow copy of its tables,
 * while the live projection and the commands go on. Once caught up, one transaction waits for
 * the live projection's batch in hand, locks its tables, applies the last events, swaps the
 * shadow tables in and sets every bus partition's offset to where the rebuild stands. Readers
 * see the old model until that commit and the new one after it, never a half-built one.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<{ events: number; seconds: number }> {
  const { projection, writeDb, readDb, logger } = options;
  const started = performance.now();
  const shadow = `rebuild_${projection.name.replace(/\W/g, '_')}`;
  await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(readDb);
  await sql`create schema ${sql.id(shadow)}`.execute(readDb);
  for (const table of [...projection.tables, ...runtimeTables]) {
    await sql`create table ${sql.id(shadow, table)} (like ${sql.id('public', table)} including all)`.execute(readDb);
  }
  const shadowDb = readDb.withSchema(shadow);
  const host = hostProjection({
    projection,
    db: shadowDb,
    decode: options.decode,
    metrics: createProjectionMetrics(new Registry()),
    logger,
    maxAttempts: 3,
  });
  const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(writeDb)).rows[0]?.n ?? 0);
  const batchSize = options.batchSize ?? 2_000;
  let checkpoint: Checkpoint = startOfLog;
  let done = 0;
  const deliver = (events: readonly RecordedEvent[]) =>
    events.map((event) => ({
      event,
      partition: 'log',
      offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
    }));

  // Bulk: batch after batch into the shadow tables, the live model untouched.
  for (;;) {
    const events = await readAll(writeDb, checkpoint, batchSize);
    const last = events.at(-1);
    if (last === undefined) break;
    await host.handle(deliver(events));
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
    done += events.length;
    options.onProgress?.(done, Math.max(total, done));
  }

  // Swap: wait for the live batch in hand, lock, apply the last events, move the tables.
  await readDb.transaction().execute(async (trx) => {
    const live = await trx
      .selectFrom('projection_offsets')
      .select('partition')
      .where('projection', '=', projection.name)
      .forUpdate()
      .execute();
    await sql`lock table ${sql.join(projection.tables.map((table) => sql.id('public', table)))} in access exclusive mode`.execute(
      trx,
    );
    const shadowTrx = trx.withSchema(shadow);
    for (;;) {
      const events = await readAll(writeDb, checkpoint, batchSize);
      const last = events.at(-1);
      if (last === undefined) break;
      const decoded = await Promise.all(events.map((event) => options.decode(event)));
      for (const event of decoded) await projection.apply(shadowTrx, event);
      await projection.finish?.(shadowTrx, decoded);
      checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
      done += events.length;
    }
    options.onProgress?.(done, Math.max(total, done));
    const retired = `${shadow}_retired`;
    await sql`drop schema if exists ${sql.id(retired)} cascade`.execute(trx);
    await sql`create schema ${sql.id(retired)}`.execute(trx);
    for (const table of projection.tables) {
      await sql`alter table ${sql.id('public', table)} set schema ${sql.id(retired)}`.execute(trx);
      await sql`alter table ${sql.id(shadow, table)} set schema public`.execute(trx);
    }
    // Every partition the live projection reads resumes after the rebuilt position: events
    // of a partition come in commit order, so all at or before it are in the new tables.
    const offset = logOffset(checkpoint);
    const partitions = new Set([...live.map((row) => row.partition), 'log']);
    await trx.deleteFrom('projection_offsets').where('projection', '=', projection.name).execute();
    await trx
      .insertInto('projection_offsets')
      .values([...partitions].map((partition) => ({ projection: projection.name, partition, offset })))
      .execute();
    await sql`
      insert into dead_letters (projection, event_id, event, error, attempts)
      select projection, event_id, event, error, attempts from ${sql.id(shadow, 'dead_letters')}
      on conflict (projection, event_id) do nothing`.execute(trx);
    await sql`drop schema ${sql.id(retired)} cascade`.execute(trx);
  });
  await sql`drop schema ${sql.id(shadow)} cascade`.execute(readDb);
  const seconds = (performance.now() - started) / 1000;
  logger.info({ projection: projection.name, events: done, seconds }, 'projection rebuilt');
  return { events: done, seconds };
}
