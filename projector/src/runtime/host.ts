import type { Delivery, Subscriber } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { toWire } from '@mindflow/core/bus';
import type { Logger } from '@mindflow/core/logging';
import { sql, type Kysely } from 'kysely';
import type { ProjectionMetrics } from './metrics.js';
import type { Projection } from './projection.js';
import type { RuntimeTables } from './tables.js';

export interface HostOptions<DB extends RuntimeTables> {
  readonly projection: Projection<DB>;
  readonly db: Kysely<DB>;
  /** Opens an event's sealed fields (or marks them erased). */
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  readonly metrics: ProjectionMetrics;
  readonly logger: Logger;
  /** Tries before an event is dead-lettered. */
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
}

export interface HostedProjection extends Subscriber {
  /** The global position of the last event applied (for lag), 0 before any. */
  lastPosition(): number;
  /** When it last applied something or found nothing to do (ms since epoch). */
  lastProgressAt(): number;
}

/** A failure that rolls the batch back and asks the bus to deliver it again. */
class RetryBatch extends Error {}

/**
 * Runs a projection as a bus subscriber. Each batch is one transaction of the projection's
 * database holding the effects and the new offsets. An event that fails is retried with
 * backoff (the whole batch is delivered again); after `maxAttempts` it goes to dead_letters
 * with its error, in that same transaction, and the projection moves on.
 */
export function hostProjection<DB extends RuntimeTables>(options: HostOptions<DB>): HostedProjection {
  const { projection, metrics, logger } = options;
  const name = projection.name;
  // Kysely is invariant in its tables: the runtime's own queries see only its two tables.
  const runtime = (db: Kysely<DB>) => db as unknown as Kysely<RuntimeTables>;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoffMs ?? ((attempt: number) => Math.min(10_000, 100 * 2 ** attempt));
  const attempts = new Map<string, number>();
  let lastPosition = 0;
  let lastProgressAt = Date.now();

  const readOffsets = async (trx: Kysely<RuntimeTables>, lock: boolean) => {
    const query = trx.selectFrom('projection_offsets').select(['partition', 'offset']).where('projection', '=', name);
    const rows = await (lock ? query.forUpdate() : query).execute();
    return new Map(rows.map((row) => [row.partition, row.offset]));
  };

  const applyBatch = (batch: readonly Delivery[], isolate: boolean) =>
    options.db.transaction().execute(async (projectionTrx) => {
      const trx = runtime(projectionTrx);
      const offsets = await readOffsets(trx, true);
      const changed = new Set<string>();
      let count = 0;
      let newest: RecordedEvent | undefined;
      const appliedEvents: DecodedEvent<MindflowEvents>[] = [];
      for (const delivery of batch) {
        const stored = offsets.get(delivery.partition);
        if (stored !== undefined && delivery.offset <= stored) continue;
        const event = delivery.event;
        if (!isolate) {
          appliedEvents.push(await options.decode(event));
          offsets.set(delivery.partition, delivery.offset);
          changed.add(delivery.partition);
          newest = event;
          count += 1;
          continue;
        }
        await sql`savepoint apply_event`.execute(trx);
        try {
          const decoded = await options.decode(event);
          await projection.apply(projectionTrx, [decoded]);
          await sql`release savepoint apply_event`.execute(trx);
          attempts.delete(event.eventId);
          count += 1;
        } catch (error) {
          await sql`rollback to savepoint apply_event`.execute(trx);
          metrics.errors.inc({ projection: name });
          const tries = (attempts.get(event.eventId) ?? 0) + 1;
          attempts.set(event.eventId, tries);
          if (tries < maxAttempts) {
            logger.warn(
              { err: error, projection: name, eventId: event.eventId, attempt: tries },
              'projection: retrying',
            );
            throw new RetryBatch(`event ${event.eventId} failed (attempt ${tries})`, { cause: error });
          }
          await trx
            .insertInto('dead_letters')
            .values({
              projection: name,
              event_id: event.eventId,
              event: toWire(event),
              error: error instanceof Error ? (error.stack ?? error.message) : String(error),
              attempts: tries,
            })
            .onConflict((conflict) => conflict.columns(['projection', 'event_id']).doNothing())
            .execute();
          attempts.delete(event.eventId);
          metrics.deadLetters.inc({ projection: name });
          logger.error({ err: error, projection: name, eventId: event.eventId }, 'projection: event dead-lettered');
        }
        offsets.set(delivery.partition, delivery.offset);
        changed.add(delivery.partition);
        newest = event;
      }
      if (!isolate && appliedEvents.length > 0) await projection.apply(projectionTrx, appliedEvents);
      if (changed.size > 0) {
        await trx
          .insertInto('projection_offsets')
          .values(
            [...changed].map((partition) => ({
              projection: name,
              partition,
              offset: offsets.get(partition) ?? '',
            })),
          )
          .onConflict((conflict) =>
            conflict.columns(['projection', 'partition']).doUpdateSet((eb) => ({
              offset: eb.ref('excluded.offset'),
              updated_at: new Date(),
            })),
          )
          .execute();
      }
      return { count, newest };
    });

  return {
    name,
    lastPosition: () => lastPosition,
    lastProgressAt: () => lastProgressAt,
    offsets: () => readOffsets(runtime(options.db), false),
    async handle(batch: readonly Delivery[]) {
      try {
        // Fast path: the whole batch without savepoints. Only when something in it fails is
        // it done again event by event, each behind a savepoint, to find and isolate the culprit.
        let applied: { count: number; newest: RecordedEvent | undefined };
        try {
          applied = await applyBatch(batch, false);
        } catch (error) {
          if (error instanceof RetryBatch) throw error;
          applied = await applyBatch(batch, true);
        }
        lastProgressAt = Date.now();
        if (applied.newest !== undefined) {
          lastPosition = Math.max(lastPosition, applied.newest.globalPosition);
          metrics.lagSeconds.set({ projection: name }, (Date.now() - applied.newest.occurredAt.getTime()) / 1000);
        }
        metrics.applied.inc({ projection: name }, applied.count);
        metrics.lastProgress.set({ projection: name }, lastProgressAt / 1000);
      } catch (error) {
        if (error instanceof RetryBatch) {
          const failed = Math.max(...attempts.values(), 1);
          await new Promise((resolve) => setTimeout(resolve, backoff(failed)));
        }
        throw error;
      }
    },
  };
}
