import { checkpointOf, logOffset, partitionOf } from '../bus/index.js';
import type { EventStoreTables } from '../eventstore/index.js';
import { sql, type Kysely } from 'kysely';
import { appliedUpTo, floorPartition, readOffsets } from './offsets.js';
import type { RuntimeTables } from './tables.js';

/** A projection as lag sees it: its name and the database holding its offsets. */
export interface LagSource {
  readonly name: string;
  readonly store: Kysely<RuntimeTables>;
}

/** Where one projection stands against the event store, from the offsets it stored. */
export interface ProjectionLag {
  readonly name: string;
  /** The commit-order key of the last event applied, per bus partition. */
  readonly offsets: Readonly<Record<string, string>>;
  /** The commit-order key of the newest event in the event store (undefined: none). */
  readonly head: string | undefined;
  /** Events in the store not applied yet: exact when `more` is false, else at least this many. */
  readonly behind: number;
  /** The count stopped at its limit (or could not look further back): there may be more. */
  readonly more: boolean;
  /** How long the oldest event not applied has been in the store, in seconds (0: none). */
  readonly seconds: number;
}

/** Most events a lag measure counts or looks at, per projection, unless told otherwise. */
export const defaultLagLimit = 10_000;

/** The commit-order key of the newest event in the store, undefined when it holds none. */
export async function eventStoreHead<DB extends EventStoreTables>(writeDb: Kysely<DB>): Promise<string | undefined> {
  const newest = await sql<{ transaction_id: string; position: string }>`
    select transaction_id::text as transaction_id, global_position as position from events
    order by transaction_id desc, global_position desc limit 1`.execute(writeDb);
  const top = newest.rows[0];
  return top === undefined
    ? undefined
    : logOffset({ transactionId: top.transaction_id, position: Number(top.position) });
}

/**
 * Each projection's lag, from the offsets it stored (never from a process's memory: every
 * process sharing the databases sees the same figure), against the event store's head. An
 * event counts against the offset of its own partition: `partitions` is the events topic's
 * partition count with Kafka, undefined on the embedded bus (one partition, "log"). The row of
 * the floor partition counts for every partition.
 *
 * Bounded: per projection, at most `limit` events are counted past the furthest partition and
 * at most `limit` looked at between the furthest and the one furthest behind (newest first); a
 * count that reaches a bound says `more`. `projections status`, the lag metrics and readiness
 * all measure with this function.
 */
export async function measureLag<DB extends EventStoreTables>(
  writeDb: Kysely<DB>,
  projections: readonly LagSource[],
  partitions: number | undefined,
  limit = defaultLagLimit,
): Promise<ProjectionLag[]> {
  const head = await eventStoreHead(writeDb);
  const now = Date.now();
  const lags: ProjectionLag[] = [];
  for (const { name, store } of projections) {
    const offsets = await readOffsets(store, name);
    const { behind, more, oldest } =
      head === undefined
        ? { behind: 0, more: false, oldest: undefined }
        : await unapplied(writeDb, offsets, partitions, limit);
    lags.push({
      name,
      offsets: Object.fromEntries(offsets),
      head,
      behind,
      more,
      seconds: oldest === undefined ? 0 : Math.max(0, (now - oldest.getTime()) / 1000),
    });
  }
  return lags;
}

interface Unapplied {
  readonly behind: number;
  readonly more: boolean;
  /** When the oldest event not applied was recorded. */
  readonly oldest: Date | undefined;
}

const after = (offset: string | undefined) => {
  const { transactionId, position } = checkpointOf(offset);
  return sql<boolean>`(transaction_id, global_position) > (${transactionId}::xid8, ${position})`;
};

const earliest = (a: Date | undefined, b: Date | undefined) =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;

/**
 * Events after the stored offsets. Past the furthest partition's offset every event is
 * unapplied: a bounded count. Between the partition furthest behind and the furthest, each
 * event is checked against its own partition's offset, newest first, within the bound.
 */
async function unapplied<DB extends EventStoreTables>(
  writeDb: Kysely<DB>,
  offsets: ReadonlyMap<string, string>,
  partitions: number | undefined,
  limit: number,
): Promise<Unapplied> {
  const byPartition =
    partitions === undefined || partitions <= 0
      ? [appliedUpTo(offsets, floorPartition)]
      : Array.from({ length: partitions }, (_, partition) => appliedUpTo(offsets, String(partition)));
  const stored = byPartition.filter((offset): offset is string => offset !== undefined).sort();
  const furthest = stored.at(-1);
  const behindmost = stored.length === byPartition.length ? stored.at(0) : undefined;

  const past = await sql<{ n: string; oldest: Date | null }>`
    select count(*) as n, min(recorded_at) as oldest from (
      select recorded_at from events where ${after(furthest)}
      order by transaction_id, global_position limit ${limit}) as past`.execute(writeDb);
  const pastCount = Number(past.rows[0]?.n ?? 0);
  let behind = pastCount;
  let more = pastCount >= limit;
  let oldest = past.rows[0]?.oldest ?? undefined;
  if (furthest === undefined || behindmost === furthest || partitions === undefined) return { behind, more, oldest };

  const between = await sql<{ key: string; transaction_id: string; position: string; recorded_at: Date }>`
    select coalesce(user_id::text, stream_id) as key, transaction_id::text as transaction_id,
           global_position as position, recorded_at
    from events where ${after(behindmost)} and not ${after(furthest)}
    order by transaction_id desc, global_position desc limit ${limit}`.execute(writeDb);
  const partitionByKey = new Map<string, number>();
  for (const row of between.rows) {
    let partition = partitionByKey.get(row.key);
    if (partition === undefined) {
      partition = partitionOf(row.key, partitions);
      partitionByKey.set(row.key, partition);
    }
    const applied = byPartition[partition];
    const offset = logOffset({ transactionId: row.transaction_id, position: Number(row.position) });
    if (applied === undefined || offset > applied) {
      behind += 1;
      oldest = earliest(oldest, row.recorded_at);
    }
  }
  more ||= between.rows.length >= limit;
  return { behind, more, oldest };
}
