import { sql, type Kysely, type Selectable } from 'kysely';
import { StreamVersionConflict } from './errors.js';
import type { EventStoreTables, EventsTable } from './schema.js';
import {
  startOfLog,
  type AppendResult,
  type Checkpoint,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
} from './types.js';

type Db = Kysely<EventStoreTables>;

/**
 * Kysely instances are invariant in their tables, so a database with more tables than the
 * event store's is narrowed here: the store only ever touches `events`.
 */
function narrow<DB extends EventStoreTables>(db: Kysely<DB>): Db {
  return db as unknown as Db;
}

/**
 * Appends events to a stream at the expected version, inside the caller's transaction (so
 * that the normalized tables change with them, atomically). A concurrent writer that got
 * there first makes this throw StreamVersionConflict — through the unique (stream, version)
 * constraint, which holds whatever the isolation level.
 *
 * @example
 *   await db.transaction().execute((trx) => appendToStream(trx, `entry-${id}`, 3, [event]));
 */
export async function appendToStream<DB extends EventStoreTables>(
  database: Kysely<DB>,
  streamId: string,
  expectedVersion: ExpectedVersion,
  events: readonly NewEvent[],
): Promise<AppendResult> {
  const db = narrow(database);
  // A new stream needs no look: if it is not new after all, its version 1 exists, and the
  // insert below collides with it.
  const current = expectedVersion === 0 ? 0 : await streamVersion(db, streamId);
  if (expectedVersion !== 'any' && expectedVersion !== current) {
    throw new StreamVersionConflict(streamId, expectedVersion, current);
  }
  if (events.length === 0) return { streamVersion: current, position: 0 };
  const key = commitOrderKey(streamId, current);
  try {
    const rows = await db
      .insertInto('events')
      .values(
        events.map((event, i) => ({
          transaction_id: key,
          event_id: event.eventId,
          type: event.type,
          schema_version: event.schemaVersion,
          stream_id: streamId,
          stream_version: current + i + 1,
          user_id: event.userId,
          occurred_at: event.occurredAt,
          data: JSON.stringify(event.data),
          metadata: JSON.stringify(event.metadata),
        })),
      )
      .returning('global_position')
      .execute();
    return {
      streamVersion: current + events.length,
      position: Math.max(...rows.map((row) => toNumber(row.global_position))),
    };
  } catch (error) {
    if (isUniqueViolation(error, 'events_stream_id_stream_version_key')) {
      throw new StreamVersionConflict(streamId, current, undefined, error);
    }
    throw error;
  }
}

/** The stream's events from `fromVersion` (default: the first), in version order. */
export async function readStream<DB extends EventStoreTables>(
  database: Kysely<DB>,
  streamId: string,
  fromVersion = 1,
): Promise<readonly RecordedEvent[]> {
  const db = narrow(database);
  const rows = await selectEvents(db)
    .where('stream_id', '=', streamId)
    .where('stream_version', '>=', fromVersion)
    .orderBy('stream_version')
    .execute();
  return rows.map(toRecorded);
}

/**
 * Of the user's committed events at or before position `upTo`, the newest in commit order
 * (undefined when none): a reader that must reflect "everything of this user's up to `upTo`"
 * has to have applied it, and, reading in commit order, then has applied all the others.
 */
export async function latestUserEvent<DB extends EventStoreTables>(
  database: Kysely<DB>,
  userId: string,
  upTo: number,
): Promise<Checkpoint | undefined> {
  const row = await narrow(database)
    .selectFrom('events')
    .select(['transaction_id', 'global_position'])
    .where('user_id', '=', userId)
    .where('global_position', '<=', String(upTo))
    .orderBy('transaction_id', 'desc')
    .orderBy('global_position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : { transactionId: row.transaction_id, position: Number(row.global_position) };
}

/**
 * The commit-order boundary of the statement's snapshot: the oldest transaction still running
 * that could write to this database's events, or the snapshot's end when none runs. Below it
 * every transaction has finished.
 *
 * Transaction ids are the server's, shared by all its databases, so pg_snapshot_xmin alone
 * would let a long transaction in another database (a rebuild of the read model on the same
 * server, another tenant) hold every reader of this one back. A running transaction is left
 * out only when pg_stat_activity names another database as its own; one it cannot place (a
 * subtransaction, a prepared transaction, a session it may not see, a background worker) is
 * counted as this database's, which can only hold readers back, never let one skip an event.
 * Running ids of one moment lie within 2^31 of each other, so comparing their low 32 bits
 * (pg_stat_activity shows the 32-bit xid) is exact.
 */
const settledBelow = sql`(
  select coalesce(min(running), pg_snapshot_xmax(pg_current_snapshot()))
  from pg_snapshot_xip(pg_current_snapshot()) as running
  where running::text::numeric % 4294967296 not in (
    select backend_xid::text::numeric from pg_stat_activity
    where backend_xid is not null and datname <> current_database()
  )
)`;

/**
 * Up to `limit` events after `checkpoint`, in commit order, never skipping one.
 *
 * Positions come from a sequence, and sequences are not commit-ordered: a transaction can
 * take position 10, commit after position 11 is already read, and be skipped by a reader that
 * asks for "position > 11". So this reads only events whose commit-order key (their
 * transaction's id, or more: see commitOrderKey) is below the oldest transaction still running
 * in this database (settledBelow): those are settled — committed or rolled back — and nothing
 * can ever appear before them. It orders by (key, position), the order in which that boundary
 * uncovers them.
 *
 * The trade-off: a long transaction in this database (one that has written something) holds
 * every reader back until it ends. `readerHoldBack` tells how far.
 */
export async function readAll<DB extends EventStoreTables>(
  database: Kysely<DB>,
  checkpoint: Checkpoint,
  limit = 500,
): Promise<readonly RecordedEvent[]> {
  return settledInCommitOrder(selectEvents(narrow(database)).where(afterKey(checkpoint)), limit);
}

/** Events after `checkpoint` in commit order (their key, then their position). */
const afterKey = (checkpoint: Checkpoint) =>
  sql<boolean>`(transaction_id, global_position) > (${checkpoint.transactionId}::xid8, ${checkpoint.position})`;

/** Of the events `query` keeps, the settled ones (below settledBelow), in commit order, at most `limit`. */
async function settledInCommitOrder(
  query: ReturnType<typeof selectEvents>,
  limit: number,
): Promise<readonly RecordedEvent[]> {
  const rows = await query
    .where(sql<boolean>`transaction_id < ${settledBelow}`)
    // qualified: a bare "transaction_id" would order by the selected text cast ('10' < '9')
    .orderBy(sql`events.transaction_id`)
    .orderBy('global_position')
    .limit(limit)
    .execute();
  return rows.map(toRecorded);
}

/**
 * A user's events of `types` that a reader who has seen position `seen` may have missed, in
 * commit order, at most `limit`: those after (in commit order) the newest of theirs at or
 * before `seen`, and any with a greater position (positions are not commit-ordered: one taken
 * later can commit earlier). Settled ones only, as readAll: what is still running comes later
 * by the live path. A reader may be given again an event it had; never one it missed.
 */
export async function readUserSince<DB extends EventStoreTables>(
  database: Kysely<DB>,
  userId: string,
  seen: number,
  types: readonly string[],
  limit = 500,
): Promise<readonly RecordedEvent[]> {
  if (types.length === 0) return [];
  const from = (await latestUserEvent(database, userId, seen)) ?? startOfLog;
  const query = selectEvents(narrow(database))
    .where('user_id', '=', userId)
    .where('type', 'in', [...types])
    .where(sql<boolean>`(${afterKey(from)} or global_position > ${seen})`);
  return settledInCommitOrder(query, limit);
}

export interface ReaderHoldBack {
  /** Committed events that readAll cannot hand out yet, because an older transaction still runs. */
  readonly events: number;
  /** Age of the oldest transaction on the server that holds an id (the one holding readers back). */
  readonly oldestTransactionSeconds: number;
}

/** How far readAll is held behind what is committed, and by how old a transaction. */
export async function readerHoldBack<DB extends EventStoreTables>(database: Kysely<DB>): Promise<ReaderHoldBack> {
  const db = narrow(database);
  const result = await sql<{ events: string; oldest: number | null }>`
    select
      (select count(*) from events where transaction_id >= ${settledBelow}) as events,
      (select extract(epoch from now() - min(xact_start))::float8
         from pg_stat_activity
         where backend_xid is not null and datname is not distinct from current_database()) as oldest
  `.execute(db);
  const row = result.rows[0];
  return { events: Number(row?.events ?? 0), oldestTransactionSeconds: row?.oldest ?? 0 };
}

/**
 * The commit-order key of events appended to a stream at version `current`: the inserting
 * transaction's id, or the key of the stream's previous version when that is larger.
 *
 * Transaction ids are handed out at a transaction's first write, not at its commit. A
 * transaction that wrote something else before it appends (its idempotency row, say) can hold
 * an older id than the one that appended the stream's previous version and committed
 * meanwhile; ordered by its own id, the next version would be read before the previous one.
 * Taking the larger key keeps every stream in version order in readAll, and stays gap-free:
 * while this transaction runs, the oldest running transaction is at or below its own id, so no
 * reader has gone past either key yet. The previous version is committed (it is visible here,
 * and a concurrent appender of the same version collides on the unique (stream, version)),
 * and its position was taken before this one, so it sorts first at an equal key.
 */
function commitOrderKey(streamId: string, current: number) {
  if (current === 0) return sql<string>`pg_current_xact_id()`;
  return sql<string>`greatest(pg_current_xact_id(), (
    select transaction_id from events where stream_id = ${streamId} and stream_version = ${current}))`;
}

async function streamVersion(db: Db, streamId: string): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('stream_version').as('version'))
    .where('stream_id', '=', streamId)
    .executeTakeFirst();
  return row?.version ?? 0;
}

function selectEvents(db: Db) {
  return db
    .selectFrom('events')
    .select([
      'global_position',
      sql<string>`transaction_id::text`.as('transaction_id'),
      'event_id',
      'type',
      'schema_version',
      'stream_id',
      'stream_version',
      'user_id',
      'occurred_at',
      'data',
      'metadata',
    ]);
}

type EventRow = Omit<Selectable<EventsTable>, 'recorded_at'>;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: toNumber(row.global_position),
    transactionId: row.transaction_id,
    occurredAt: row.occurred_at,
    userId: row.user_id,
    data: row.data,
    metadata: row.metadata,
  };
}

function toNumber(bigint: string): number {
  const value = Number(bigint);
  if (!Number.isSafeInteger(value)) throw new RangeError(`event position ${bigint} exceeds the safe integer range`);
  return value;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23505' &&
    (error as { constraint?: unknown }).constraint === constraint
  );
}
