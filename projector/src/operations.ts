import { checkpointOf, fromWire, logOffset, partitionOf } from '@mindflow/core/bus';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { sql, type Kysely } from 'kysely';
import type { HostedProjection } from '@mindflow/core/projections';
import type { WriteSide } from './service.js';

/** A projection as operations see it: its name and the database of its offsets and dead letters. */
export type ProjectionStore = Pick<HostedProjection, 'name' | 'store'>;

/** A projection that can apply a dead letter again, through the path its deliveries take. */
export type ReplayTarget = Pick<HostedProjection, 'name' | 'store' | 'replay'>;

export interface ProjectionStatus {
  readonly name: string;
  /** The commit-order key of the last event applied, per bus partition. */
  readonly offsets: Readonly<Record<string, string>>;
  /** The commit-order key of the newest event in the event store (undefined: none). */
  readonly head: string | undefined;
  /**
   * Events in the store the projection has not applied: per partition, those after its stored
   * offset there. Exact on either bus; with Kafka, given the topic's partition count.
   */
  readonly behind: number;
  readonly deadLetters: number;
}

/**
 * Where each projection stands against the event store, from the offsets it stored (not from
 * a process's memory), and its dead letters. `partitions`: the events topic's partition count
 * when the bus is Kafka (each event counts against the offset of its partition); undefined on
 * the embedded bus (one partition, "log").
 */
export async function projectionStatus(
  writeDb: Kysely<WriteSide>,
  projections: readonly ProjectionStore[],
  partitions?: number,
): Promise<ProjectionStatus[]> {
  const newest = await sql<{ transaction_id: string; position: string }>`
    select transaction_id::text as transaction_id, global_position as position from events
    order by transaction_id desc, global_position desc limit 1`.execute(writeDb);
  const top = newest.rows[0];
  const head =
    top === undefined ? undefined : logOffset({ transactionId: top.transaction_id, position: Number(top.position) });
  const statuses: ProjectionStatus[] = [];
  for (const { name, store: db } of projections) {
    const rows = await db
      .selectFrom('projection_offsets')
      .select(['partition', 'offset'])
      .where('projection', '=', name)
      .execute();
    const offsets = new Map(rows.map((row) => [row.partition, row.offset]));
    const letters = await db
      .selectFrom('dead_letters')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('projection', '=', name)
      .where('replayed_at', 'is', null)
      .executeTakeFirstOrThrow();
    statuses.push({
      name,
      offsets: Object.fromEntries(offsets),
      head,
      behind: await eventsAfter(writeDb, offsets, partitions),
      deadLetters: Number(letters.n),
    });
  }
  return statuses;
}

/** How many events of the store come after the stored offsets, each against its own partition's. */
async function eventsAfter(
  writeDb: Kysely<WriteSide>,
  offsets: ReadonlyMap<string, string>,
  partitions: number | undefined,
): Promise<number> {
  const after = (offset: string | undefined) => {
    const { transactionId, position } = checkpointOf(offset);
    return sql<boolean>`(transaction_id, global_position) > (${transactionId}::xid8, ${position})`;
  };
  if (partitions === undefined) {
    const result = await sql<{
      n: string;
    }>`select count(*) as n from events where ${after(offsets.get('log'))}`.execute(writeDb);
    return Number(result.rows[0]?.n ?? 0);
  }
  // The keys (users) with events after the oldest stored offset, each against its partition's.
  const stored = Array.from({ length: partitions }, (_, partition) => offsets.get(String(partition)));
  const oldest = stored.every((offset) => offset !== undefined) ? stored.sort().at(0) : undefined;
  const keys = await sql<{ key: string }>`
    select distinct coalesce(user_id::text, stream_id) as key from events where ${after(oldest)}`.execute(writeDb);
  if (keys.rows.length === 0) return 0;
  const marks = keys.rows.map(({ key }) => ({
    key,
    ...checkpointOf(offsets.get(String(partitionOf(key, partitions)))),
  }));
  const result = await sql<{ n: string }>`
    select count(*) as n from events
    join unnest(${marks.map((mark) => mark.key)}::text[], ${marks.map((mark) => mark.transactionId)}::text[],
                ${marks.map((mark) => mark.position)}::bigint[]) as mark(key, transaction_id, position)
      on coalesce(events.user_id::text, events.stream_id) = mark.key
    where (events.transaction_id, events.global_position) > (mark.transaction_id::xid8, mark.position)`.execute(
    writeDb,
  );
  return Number(result.rows[0]?.n ?? 0);
}

export interface DeadLetter {
  readonly id: string;
  readonly projection: string;
  readonly event: RecordedEvent;
  readonly error: string;
  readonly attempts: number;
  readonly createdAt: Date;
}

/** Dead letters not replayed yet, of every projection or of one, each projection's from its database. */
export async function listDeadLetters(
  projections: readonly ProjectionStore[],
  projection?: string,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const target of projections) {
    if (projection !== undefined && target.name !== projection) continue;
    const rows = await target.store
      .selectFrom('dead_letters')
      .selectAll()
      .where('replayed_at', 'is', null)
      .where('projection', '=', target.name)
      .orderBy('id')
      .execute();
    letters.push(
      ...rows.map((row) => ({
        id: row.id,
        projection: row.projection,
        event: fromWire(JSON.stringify(row.event)),
        error: row.error,
        attempts: row.attempts,
        createdAt: row.created_at,
      })),
    );
  }
  return letters;
}

/**
 * Applies dead-lettered events again (after a fix), each through its projection's host: the
 * path a delivery takes, so an event that follows its user's UserErased is not applied, and
 * the projection's own version checks keep an event older than what the view holds from
 * changing it. One that goes through is marked replayed; one that fails again stays, with
 * its new error.
 */
export async function replayDeadLetters(
  projections: readonly ReplayTarget[],
  select: { ids?: readonly string[]; projection?: string },
): Promise<{ replayed: number; failed: number }> {
  let replayed = 0;
  let failed = 0;
  for (const letter of await listDeadLetters(projections, select.projection)) {
    if (select.ids !== undefined && !select.ids.includes(letter.id)) continue;
    const target = projections.find((candidate) => candidate.name === letter.projection);
    if (target === undefined) continue;
    try {
      await target.replay(letter.event);
      await target.store
        .updateTable('dead_letters')
        .set({ replayed_at: new Date() })
        .where('id', '=', letter.id)
        .execute();
      replayed += 1;
    } catch (error) {
      failed += 1;
      await target.store
        .updateTable('dead_letters')
        .set({
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          attempts: letter.attempts + 1,
        })
        .where('id', '=', letter.id)
        .execute();
    }
  }
  return { replayed, failed };
}
