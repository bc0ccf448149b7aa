import { fromWire } from '@mindflow/core/bus';
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
  /**
   * Committed events after the newest one applied: exact on the embedded bus (one partition),
   * a lower bound with Kafka (the other partitions may lag too).
   */
  readonly behind: number;
  readonly deadLetters: number;
}

/** Where each projection stands against the event store, and its dead letters. */
export async function projectionStatus(
  writeDb: Kysely<WriteSide>,
  projections: readonly ProjectionStore[],
): Promise<ProjectionStatus[]> {
  const statuses: ProjectionStatus[] = [];
  for (const { name, store: db } of projections) {
    const rows = await db
      .selectFrom('projection_offsets')
      .select(['partition', 'offset'])
      .where('projection', '=', name)
      .execute();
    const newest = rows
      .map((row) => row.offset)
      .sort()
      .at(-1);
    const [transactionId = '0', position = '0'] = newest?.split(':') ?? [];
    const behind = await sql<{ n: string }>`
      select count(*) as n from events
      where (transaction_id, global_position) > (${BigInt(transactionId).toString()}::xid8, ${Number(position)})`.execute(
      writeDb,
    );
    const letters = await db
      .selectFrom('dead_letters')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('projection', '=', name)
      .where('replayed_at', 'is', null)
      .executeTakeFirstOrThrow();
    statuses.push({
      name,
      offsets: Object.fromEntries(rows.map((row) => [row.partition, row.offset])),
      behind: Number(behind.rows[0]?.n ?? 0),
      deadLetters: Number(letters.n),
    });
  }
  return statuses;
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
