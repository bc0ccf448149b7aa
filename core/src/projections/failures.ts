import { DeliverAgain, toWire } from '../bus/index.js';
import type { RecordedEvent } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import type { Kysely } from 'kysely';
import type { ErasureFence } from './erasure.js';
import type { ProjectionMetrics } from './metrics.js';
import { isBadData, isRetriable } from './retriable.js';
import type { RuntimeTables } from './tables.js';

/** What every host of a projection is given besides the projection itself. */
export interface RuntimeServices {
  readonly metrics: ProjectionMetrics;
  readonly logger: Logger;
  /** Skips events that follow their user's UserErased; without it nothing is skipped. */
  readonly erasure?: ErasureFence;
  /** Tries before an event that fails for a non-retriable reason is dead-lettered. */
  readonly maxAttempts?: number;
  /** The wait after the `attempt`-th failure in a row (event failures and outages alike). */
  readonly backoffMs?: (attempt: number) => number;
}

/**
 * What to do about a failed event: wait out an outage (retriable: never counted, never
 * dead-lettered), try again later (counted), or dead-letter it and go on (after N tries, or at
 * once for data the store refuses: isBadData).
 */
export type Verdict = { readonly kind: 'outage' } | { readonly kind: 'retry' | 'dead-letter'; readonly tries: number };

/** The batch is to be delivered again, the host's wait being over: thrown to the bus. */
export class ProjectionRetry extends DeliverAgain {
  /** Whether an engine was away (rather than an event failing): its store may need another connection. */
  readonly outage: boolean;

  constructor(message: string, options: { cause: unknown; outage?: boolean }) {
    super(message, options);
    this.name = 'ProjectionRetry';
    this.outage = options.outage ?? false;
  }
}

export interface FailurePolicy {
  /**
   * Whether a failure is an engine away (retriable): then counted and logged as such. With
   * `engineAnswers` (a statement's failure, and the store was asked and answered), it is not.
   */
  isOutage(error: unknown, engineAnswers?: boolean): boolean;
  /**
   * Judges an event's failure, counting it against that event (and no other). With
   * `engineAnswers`, a retriable failure counts too: it is the event's, not the engine's.
   */
  judge(error: unknown, event: RecordedEvent, engineAnswers?: boolean): Verdict;
  /** Whether an event that failed is waiting for its next try (its back-off not over yet). */
  waiting(eventId: string): boolean;
  /** Forgets the tries of events whose outcome (applied or dead-lettered) has been committed. */
  settle(eventIds: Iterable<string>): void;
  /**
   * Waits as the verdict asks, then throws so that the bus delivers the batch again. `held`:
   * the failed event only held back its own user's events and the rest were applied; the batch
   * comes again after a short pause (new events of other users are not kept waiting for the
   * event's back-off, which `waiting` enforces).
   */
  retryLater(verdict: Verdict, error: unknown, held?: boolean): Promise<never>;
}

/** The pause before a batch whose failed event held back only its own user's comes again. */
export const heldPauseMs = 50;

/**
 * The longest wait between two tries while an engine is away (a retriable failure), so that a
 * store catches up within a few seconds of its engine's return, however long it was away.
 */
export const maxOutageBackoffMs = 2_000;

/**
 * The one failure path of every host. Tries are counted per event and kept until the event's
 * outcome commits, so k bad events in a batch cost about k × maxAttempts deliveries.
 */
export function failurePolicy(name: string, services: RuntimeServices): FailurePolicy {
  const { metrics, logger } = services;
  const maxAttempts = services.maxAttempts ?? 5;
  const backoff = services.backoffMs ?? ((attempt: number) => Math.min(10_000, 100 * 2 ** attempt));
  // An engine away is asked again at least every maxOutageBackoffMs: its return is noticed in time.
  const outageBackoff = services.backoffMs ?? ((attempt: number) => Math.min(maxOutageBackoffMs, 100 * 2 ** attempt));
  const tries = new Map<string, number>();
  /** When each failed event may be tried again. */
  const nextTry = new Map<string, number>();
  let outages = 0;
  const isOutage = (error: unknown, engineAnswers = false) => {
    if (engineAnswers || !isRetriable(error)) return false;
    outages += 1;
    metrics.errors.inc({ projection: name });
    metrics.retries.inc({ projection: name });
    logger.warn({ err: error, projection: name, attempt: outages }, 'projection: engine unavailable, waiting');
    return true;
  };
  return {
    isOutage,
    judge(error, event, engineAnswers = false) {
      if (isOutage(error, engineAnswers)) return { kind: 'outage' };
      metrics.errors.inc({ projection: name });
      const count = (tries.get(event.eventId) ?? 0) + 1;
      tries.set(event.eventId, count);
      nextTry.set(event.eventId, Date.now() + backoff(count));
      // Data the store refuses fails the same way every time: trying again would only hold
      // back the events behind it (other users' too) for the back-offs of N tries.
      if (count < maxAttempts && !isBadData(error)) {
        logger.warn({ err: error, projection: name, eventId: event.eventId, attempt: count }, 'projection: retrying');
        return { kind: 'retry', tries: count };
      }
      return { kind: 'dead-letter', tries: count };
    },
    waiting(eventId) {
      return (nextTry.get(eventId) ?? 0) > Date.now();
    },
    settle(eventIds) {
      outages = 0;
      for (const eventId of eventIds) {
        tries.delete(eventId);
        nextTry.delete(eventId);
      }
    },
    async retryLater(verdict, error, held = false) {
      const wait = verdict.kind === 'outage' ? outageBackoff(outages) : held ? heldPauseMs : backoff(verdict.tries);
      await new Promise((resolve) => setTimeout(resolve, wait));
      throw new ProjectionRetry(`${name}: delivery failed (${verdict.kind})`, {
        cause: error,
        outage: verdict.kind === 'outage',
      });
    },
  };
}

/** Records a dead letter (once per projection and event), and counts and logs it. */
export async function deadLetter(
  db: Kysely<RuntimeTables>,
  name: string,
  services: RuntimeServices,
  event: RecordedEvent,
  error: unknown,
  tries: number,
): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      projection: name,
      event_id: event.eventId,
      event: toWire(event),
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      attempts: tries,
    })
    .onConflict((conflict) =>
      conflict.columns(['projection', 'event_id']).doUpdateSet((eb) => ({
        error: eb.ref('excluded.error'),
        attempts: eb.ref('excluded.attempts'),
        replayed_at: null,
      })),
    )
    .execute();
  services.metrics.deadLetters.inc({ projection: name });
  services.logger.error({ err: error, projection: name, eventId: event.eventId }, 'projection: event dead-lettered');
}
