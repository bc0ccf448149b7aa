import { fromWire } from '@mindflow/core/bus';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
import { measureLag, type HostedProjection, type ProjectionLag } from '@mindflow/core/projections';
import type { WriteSide } from './service.js';

/** A projection as operations see it: its name and the database of its offsets and dead letters. */
export type ProjectionStore = Pick<HostedProjection, 'name' | 'store'>;

/** A projection that can apply a dead letter again, through the path its deliveries take. */
export type ReplayTarget = Pick<HostedProjection, 'name' | 'store' | 'replay'>;

export interface ProjectionStatus extends ProjectionLag {
  readonly deadLetters: number;
}

/**
 * Where each projection stands against the event store, from the offsets it stored (not from
 * a process's memory: measureLag, as the lag metrics and readiness), and its dead letters.
 * `partitions`: the events topic's partition count when the bus is Kafka (each event counts
 * against the offset of its partition); undefined on the embedded bus (one partition, "log").
 */
export async function projectionStatus(
  writeDb: Kysely<WriteSide>,
  projections: readonly ProjectionStore[],
  partitions?: number,
  limit = 100_000,
): Promise<ProjectionStatus[]> {
  const lags = await measureLag(writeDb, projections, partitions, limit);
  const statuses: ProjectionStatus[] = [];
  for (const [i, { name, store: db }] of projections.entries()) {
    const letters = await db
      .selectFrom('dead_letters')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('projection', '=', name)
      .where('replayed_at', 'is', null)
      .executeTakeFirstOrThrow();
    const lag = lags[i];
    if (lag !== undefined) statuses.push({ ...lag, deadLetters: Number(letters.n) });
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
