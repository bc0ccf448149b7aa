import { eventKey, logOffset, partitionOf, type Delivery } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readAll, startOfLog, type Checkpoint, type RecordedEvent } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { partitionsOf } from '@mindflow/core/postgres';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import {
  deadLetter,
  deliverUntilPast,
  failurePolicy,
  isStatementFailure,
  type ErasureFence,
  type HostedProjection,
  hostProjection,
  floorPartition,
  lockProjection,
  saveOffsets,
  createProjectionMetrics,
  type Projection,
  type RuntimeServices,
  type RuntimeTables,
} from '@mindflow/core/projections';
import type { WriteSide } from './service.js';

export interface RebuildOptions<DB extends RuntimeTables> {
  readonly projection: Projection<DB>;
  readonly writeDb: Kysely<WriteSide>;
  /** The projection's database. */
  readonly db: Kysely<DB>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /** Skips the events that follow their user's UserErased, as the live hosts do. */
  readonly erasure?: ErasureFence;
  readonly logger: Logger;
  readonly batchSize?: number;
  /**
   * How many connections of `db` apply the bulk side by side, each the events of its share of
   * the users in their order (a projection whose users are apart; any other takes one). Each
   * holds a connection of `db`'s pool until the bulk is done: keep it below the pool's size.
   * Default 1.
   */
  readonly lanes?: number;
  /** Called after each batch: events done, and the total counted at the start. */
  readonly onProgress?: (done: number, total: number) => void;
}

const runtimeTables = ['projection_offsets', 'dead_letters'];

/** Events as the embedded bus delivers them: partition `log` (unless named), offsets in commit order. */
export function logDeliveries(events: readonly RecordedEvent[], partition = floorPartition): Delivery[] {
  return events.map((event) => ({
    event,
    partition,
    offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
  }));
}

/**
 * Rebuilds a projection from the event store (not the bus) into a shadow copy of its tables,
 * while the live projection and the commands go on. Once caught up, one transaction waits for
 * the live projection's batch in hand, locks its tables, applies the last events, swaps the
 * shadow tables in and sets every bus partition's offset to where the rebuild stands (in place,
 * with a floor for partitions not seen yet). Readers see the old model until that commit and
 * the new one after it, never a half-built one; a live batch waiting on the swap resumes from
 * the rebuilt position. Dead letters the rebuild applied are marked resolved; an event that
 * fails in the bulk or in the swap's catch-up is dead-lettered after its tries, as a live one.
 *
 * The projection writes to the shadow through the search path (its SQL names tables without
 * a schema), so partitioned tables keep their partitions, and partitions it creates land
 * in the shadow too.
 *
 * One rebuild of a projection at a time, across processes: another one, while this one runs,
 * is refused at once (its shadow schema is this one's). Rebuilds of different projections run
 * side by side: each has its own shadow, lock, tables and runtime rows.
 */
export async function rebuildProjection<DB extends RuntimeTables>(options: RebuildOptions<DB>): Promise<RebuildResult> {
  const db = options.db as unknown as Kysely<RuntimeTables>;
  const name = options.projection.name;
  const key = `mindflow.rebuild:${name}`;
  // A session lock on a connection of the pool's, held while the rebuild runs: the server
  // releases it if this process dies.
  return db.connection().execute(async (connection) => {
    const tried = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`.execute(connection);
    if (tried.rows[0]?.locked !== true)
      throw new Error(`a rebuild of ${name} is already running; try again once it ends`);
    try {
      return await rebuildAlone(options);
    } finally {
      // A connection that was cut has released it already; the rebuild's own error stands.
      await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection).catch(() => undefined);
    }
  });
}

export interface RebuildResult {
  readonly events: number;
  readonly seconds: number;
  readonly deadLetters: number;
}

async function rebuildAlone<DB extends RuntimeTables>(options: RebuildOptions<DB>): Promise<RebuildResult> {
  const { projection, writeDb, logger } = options;
  const db = options.db as unknown as Kysely<RuntimeTables>;
  const started = performance.now();
  const shadow = `rebuild_${projection.name.replace(/\W/g, '_')}`;
  await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(db);
  await sql`create schema ${sql.id(shadow)}`.execute(db);
  for (const table of [...projection.tables, ...runtimeTables]) await copyTable(db, table, shadow);
  const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(writeDb)).rows[0]?.n ?? 0);
  const batchSize = options.batchSize ?? 2_000;
  let checkpoint: Checkpoint = startOfLog;
  let done = 0;

  // Bulk: batch after batch into the shadow tables, on connections whose search path starts
  // with the shadow schema; the live model untouched. With lanes, each batch is split by user
  // (as the relay splits the log into partitions) and each lane applies its share in order on
  // its own connection, while the next batch is read.
  const lanes = projection.usersApart === true ? Math.max(1, options.lanes ?? 1) : 1;
  const services = { metrics: createProjectionMetrics(new Registry()), logger, maxAttempts: 3 };
  const laneHost = (connection: Kysely<RuntimeTables>) =>
    hostProjection({
      projection,
      db: connection as unknown as Kysely<DB>,
      decode: options.decode,
      ...services,
      ...(options.erasure === undefined ? {} : { erasure: options.erasure }),
      sideBySide: lanes > 1,
    });
  const catchUp = swapCatchUp(projection, options.decode, services);
  await inShadow(db, shadow, lanes, laneHost, async (hosts) => {
    // Each lane's chain of shares; after a failure no lane takes another share.
    const tails = hosts.map(() => Promise.resolve());
    const inHand: Promise<void>[] = [];
    let failed = false;
    try {
      for (;;) {
        const events = await readAll(writeDb, checkpoint, batchSize);
        const last = events.at(-1);
        if (last === undefined) break;
        const shares = hosts.map((): RecordedEvent[] => []);
        // A user's events come in runs: each key is hashed once per batch.
        const laneOf = new Map<string, number>();
        for (const event of events) {
          const key = eventKey(event);
          let lane = laneOf.get(key);
          if (lane === undefined) laneOf.set(key, (lane = partitionOf(key, lanes)));
          shares[lane]?.push(event);
        }
        const applied = shares.map((share, lane) => {
          const host = hosts[lane];
          const next = (tails[lane] ?? Promise.resolve()).then(async () => {
            if (failed || host === undefined || share.length === 0) return;
            // An engine away ends the rebuild: the lane's connection is gone with it.
            await deliverUntilPast(host, logDeliveries(share, `lane-${lane}`), 'throw').catch((error: unknown) => {
              failed = true;
              throw error;
            });
          });
          tails[lane] = next;
          return next;
        });
        const batch = Promise.all(applied).then(() => {
          done += events.length;
          options.onProgress?.(done, Math.max(total, done));
        });
        batch.catch(() => undefined); // awaited below; a failure is thrown there
        inHand.push(batch);
        checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
        // Read at most one batch ahead of the slowest lane.
        // A failure is thrown here, at most two batches after it.
        if (inHand.length > 1) await inHand.shift();
      }
      await Promise.all(inHand);
    } finally {
      // Failed or not, no lane is still at work when its connection goes back to the pool.
      await Promise.allSettled(tails);
    }
  });

  // Swap: wait for the live batch in hand, lock, apply the last events, move the tables.
  const deadLetters = await db.transaction().execute(async (trx) => {
    // The live batches take this lock first and read their offsets after it: each one either
    // commits before the swap or sees the swap's offsets, never re-applies what it holds.
    await lockProjection(trx, projection.name, 'public');
    await sql`lock table ${sql.join(projection.tables.map((table) => sql.id('public', table)))} in access exclusive mode`.execute(
      trx,
    );
    const searchPath = (await sql<{ path: string }>`select current_setting('search_path') as path`.execute(trx)).rows[0]
      ?.path;
    await sql`select set_config('search_path', ${`${shadow}, public`}, true)`.execute(trx);
    for (;;) {
      const events = await readAll(writeDb, checkpoint, batchSize);
      const last = events.at(-1);
      if (last === undefined) break;
      const skipped = (await options.erasure?.superseded(events)) ?? new Set<string>();
      await catchUp(
        trx,
        events.filter((event) => !skipped.has(event.eventId)),
      );
      checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
      done += events.length;
    }
    await sql`select set_config('search_path', ${searchPath ?? 'public'}, true)`.execute(trx);
    options.onProgress?.(done, Math.max(total, done));
    const retired = `${shadow}_retired`;
    await sql`drop schema if exists ${sql.id(retired)} cascade`.execute(trx);
    await sql`create schema ${sql.id(retired)}`.execute(trx);
    for (const table of projection.tables) {
      for (const member of await withPartitions(trx, 'public', table)) {
        await sql`alter table ${sql.id('public', member)} set schema ${sql.id(retired)}`.execute(trx);
      }
      for (const member of await withPartitions(trx, shadow, table)) {
        await sql`alter table ${sql.id(shadow, member)} set schema public`.execute(trx);
      }
    }
    await projection.afterSwap?.(trx as unknown as Kysely<DB>);
    // Every partition resumes after the rebuilt position: events of a partition come in commit
    // order, so all at or before it are in the new tables. Rows are set in place; the floor
    // row covers the partitions that have none yet.
    const offset = logOffset(checkpoint);
    await trx
      .updateTable('projection_offsets')
      .set({ offset, updated_at: new Date() })
      .where('projection', '=', projection.name)
      .execute();
    await saveOffsets(trx, projection.name, new Map([[floorPartition, offset]]));
    // The rebuild supersedes the dead letters: those it applied are resolved, those that failed
    // again are what is dead now.
    await sql`
      update dead_letters set replayed_at = now()
      where projection = ${projection.name} and replayed_at is null
        and event_id not in (select event_id from ${sql.id(shadow, 'dead_letters')} where projection = ${projection.name})`.execute(
      trx,
    );
    await sql`
      insert into dead_letters (projection, event_id, event, error, attempts)
      select projection, event_id, event, error, attempts from ${sql.id(shadow, 'dead_letters')}
      on conflict (projection, event_id) do update
        set error = excluded.error, attempts = excluded.attempts, replayed_at = null`.execute(trx);
    await sql`drop schema ${sql.id(retired)} cascade`.execute(trx);
    const failed = await sql<{ n: string }>`
      select count(*) as n from ${sql.id(shadow, 'dead_letters')} where projection = ${projection.name}`.execute(trx);
    return Number(failed.rows[0]?.n ?? 0);
  });
  await sql`drop schema ${sql.id(shadow)} cascade`.execute(db);
  const seconds = (performance.now() - started) / 1000;
  logger.info({ projection: projection.name, events: done, seconds, deadLetters }, 'projection rebuilt');
  return { events: done, seconds, deadLetters };
}

/**
 * Applies the events committed since the lanes' last read, in the swap's transaction (whose
 * search path starts with the shadow), with the runtime's failure path: the whole batch at
 * once; when that fails for a reason other than an engine away, event by event behind
 * savepoints, an event that keeps failing dead-lettered after the runtime's tries (in the
 * shadow, like the lanes' dead letters) and the rest applied. Tries follow one another
 * without a back-off: the swap holds the live model's locks. An engine away ends the rebuild.
 */
function swapCatchUp<DB extends RuntimeTables>(
  projection: Projection<DB>,
  decode: RebuildOptions<DB>['decode'],
  services: RuntimeServices,
) {
  const failures = failurePolicy(projection.name, services);
  return async (trx: Kysely<RuntimeTables>, events: readonly RecordedEvent[]): Promise<void> => {
    const target = trx as unknown as Kysely<DB>;
    /** Undefined once applied; else the failure, and whether the database answers (as the hosts judge it). */
    const attempt = async (some: readonly RecordedEvent[]) => {
      await sql`savepoint catch_up`.execute(trx);
      try {
        await projection.apply(target, await Promise.all(some.map(decode)));
        await sql`release savepoint catch_up`.execute(trx);
        return undefined;
      } catch (error) {
        // A connection gone fails the rollback too: the rebuild ends with the event's error.
        await sql`rollback to savepoint catch_up`.execute(trx).catch(() => {
          throw error;
        });
        // Rolled back: the database answers, so a statement's failure (a deadlock, a timeout) is the event's.
        return { error, engineAnswers: isStatementFailure(error) };
      }
    };
    if (events.length === 0) return;
    const whole = await attempt(events);
    if (whole === undefined) return;
    if (failures.isOutage(whole.error, whole.engineAnswers)) throw whole.error;
    for (const event of events) {
      for (;;) {
        const failed = await attempt([event]);
        if (failed === undefined) break;
        const verdict = failures.judge(failed.error, event, failed.engineAnswers);
        if (verdict.kind === 'outage') throw failed.error;
        if (verdict.kind === 'dead-letter') {
          await deadLetter(trx, projection.name, services, event, failed.error, verdict.tries);
          break;
        }
      }
    }
    failures.settle(events.map((event) => event.eventId));
  };
}

/**
 * Runs `work` with `count` hosts, each on a connection of its own whose search path starts with
 * `shadow` (the projection's SQL names its tables without a schema), reset once `work` is done.
 */
async function inShadow<T>(
  db: Kysely<RuntimeTables>,
  shadow: string,
  count: number,
  host: (connection: Kysely<RuntimeTables>) => HostedProjection,
  work: (hosts: HostedProjection[]) => Promise<T>,
  opened: HostedProjection[] = [],
): Promise<T> {
  if (opened.length === count) return work(opened);
  return db.connection().execute(async (connection) => {
    await sql`select set_config('search_path', ${`${shadow}, public`}, false)`.execute(connection);
    try {
      return await inShadow(db, shadow, count, host, work, [...opened, host(connection)]);
    } finally {
      await sql`reset search_path`.execute(connection);
    }
  });
}

/**
 * An empty copy of public.`table` in `schema`; a partitioned table with empty copies of its
 * partitions. Its indexes keep their names: LIKE names them anew, and the swap would leave the
 * live tables with indexes that no migration (a later one, or a rollback) can name.
 */
async function copyTable(db: Kysely<RuntimeTables>, table: string, schema: string): Promise<void> {
  const source = sql.id('public', table);
  const key = await sql<{ key: string | null }>`
    select pg_get_partkeydef(${`public.${table}`}::regclass) as key`.execute(db);
  const partitionKey = key.rows[0]?.key ?? null;
  await sql`create table ${sql.id(schema, table)} (like ${source} including all)
            ${partitionKey === null ? sql`` : sql`partition by ${sql.raw(partitionKey)}`}`.execute(db);
  for (const partition of await partitionsOf(db, `public.${table}`)) {
    await sql`create table ${sql.id(schema, partition.name)} partition of ${sql.id(schema, table)} ${sql.raw(partition.bound)}`.execute(
      db,
    );
  }
  const originals = await plainIndexes(db, 'public', table);
  for (const copy of await plainIndexes(db, schema, table)) {
    const name = originals.find((original) => original.shape === copy.shape && original.unique === copy.unique)?.name;
    if (name !== undefined && name !== copy.name) {
      await sql`alter index ${sql.id(schema, copy.name)} rename to ${sql.id(name)}`.execute(db);
    }
  }
}

/**
 * The indexes of a table that stand for no constraint (those LIKE names as the originals are
 * named), each with its shape: its definition from USING on, which a copy shares.
 */
async function plainIndexes(db: Kysely<RuntimeTables>, schema: string, table: string) {
  const { rows } = await sql<{ name: string; unique: boolean; definition: string }>`
    select c.relname as name, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${`${schema}.${table}`}::regclass
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`.execute(db);
  return rows.map((row) => ({
    ...row,
    shape: row.definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ /, ''),
  }));
}

/** A table's partitions, then the table: the order in which they can change schema together. */
async function withPartitions(db: Kysely<RuntimeTables>, schema: string, table: string): Promise<string[]> {
  return [...(await partitionsOf(db, `${schema}.${table}`)).map((partition) => partition.name), table];
}
