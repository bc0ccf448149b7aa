import { fromWire } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { sql, type Kysely } from 'kysely';
import type { BoundProjection } from './projections.js';
import type { WriteSide } from './service.js';

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
  projections: readonly BoundProjection[],
): Promise<ProjectionStatus[]> {
  const statuses: ProjectionStatus[] = [];
  for (const { projection, db } of projections) {
    const rows = await db
      .selectFrom('projection_offsets')
      .select(['partition', 'offset'])
      .where('projection', '=', projection.name)
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
      .where('projection', '=', projection.name)
      .where('replayed_at', 'is', null)
      .executeTakeFirstOrThrow();
    statuses.push({
      name: projection.name,
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
  projections: readonly BoundProjection[],
  projection?: string,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const bound of projections) {
    if (projection !== undefined && bound.projection.name !== projection) continue;
    const rows = await bound.db
      .selectFrom('dead_letters')
      .selectAll()
      .where('replayed_at', 'is', null)
      .where('projection', '=', bound.projection.name)
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
 * Applies dead-lettered events again (after a fix), each in its own transaction; one that
 * applies is marked replayed, one that fails again stays, with its new error.
 */
export async function replayDeadLetters(
  projections: readonly BoundProjection[],
  decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>,
  select: { ids?: readonly string[]; projection?: string },
): Promise<{ replayed: number; failed: number }> {
  let replayed = 0;
  let failed = 0;
  for (const letter of await listDeadLetters(projections, select.projection)) {
    if (select.ids !== undefined && !select.ids.includes(letter.id)) continue;
    const bound = projections.find((candidate) => candidate.projection.name === letter.projection);
    if (bound === undefined) continue;
    const { projection, db } = bound;
    try {
      await db.transaction().execute(async (trx) => {
        await projection.apply(trx, [await decode(letter.event)]);
        await trx.updateTable('dead_letters').set({ replayed_at: new Date() }).where('id', '=', letter.id).execute();
      });
      replayed += 1;
    } catch (error) {
      failed += 1;
      await db
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
