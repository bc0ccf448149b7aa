import type { Delivery, Subscriber } from '../bus/index.js';
import type { DecodedEvent, MindflowEvents } from '../events/index.js';
import type { RecordedEvent } from '../eventstore/index.js';
import { sql, type Kysely } from 'kysely';
import { deadLetter, failurePolicy, ProjectionRetry, type RuntimeServices, type Verdict } from './failures.js';
import { isStatementFailure } from './retriable.js';
import { appliedUpTo, lockProjection, readOffsets, saveOffsets } from './offsets.js';
import { oneBatchAtATime } from './one-batch-at-a-time.js';
import type { Projection } from './projection.js';
import type { RuntimeTables } from './tables.js';

export interface HostOptions<DB extends RuntimeTables> extends RuntimeServices {
  readonly projection: Projection<DB>;
  readonly db: Kysely<DB>;
  /** Opens an event's sealed fields (or marks them erased). */
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /**
   * This host is one of several applying disjoint users' events side by side, each on partitions
   * of its own (a rebuild's lanes): their batches take the projection's lock shared. Default:
   * exclusive, one batch of the projection at a time in its schema.
   */
  readonly sideBySide?: boolean;
}

export interface HostedProjection extends Subscriber {
  /**
   * The global position of the newest event this host (in this process) applied, 0 before any.
   * Not a measure of lag: another process may have applied what this one skipped (measureLag
   * reads the stored offsets).
   */
  lastPosition(): number;
  /** When it last applied something or found nothing to do (ms since epoch). */
  lastProgressAt(): number;
  /** Where its offsets and dead letters are kept. */
  readonly store: Kysely<RuntimeTables>;
  /**
   * Applies one (dead-lettered) event again through the path deliveries take: the erasure
   * fence, decoding and the projection's own checks; offsets untouched. Throws if it fails.
   */
  replay(event: RecordedEvent): Promise<void>;
}

/** Whose events wait behind one of theirs that failed: the user's (or the stream's, for events of no user). */
const holdKey = (event: RecordedEvent) => event.userId ?? event.streamId;

/** What a batch transaction did, known once it has committed. */
interface BatchOutcome {
  readonly count: number;
  readonly newest: RecordedEvent | undefined;
  /** Events applied, dead-lettered or skipped: their tries can be forgotten. */
  readonly settled: readonly string[];
  /** The event that failed and stopped the batch (those before it committed), if any. */
  readonly failed?: { readonly verdict: Verdict; readonly error: unknown };
  /** The failed event held back only its own user's events; the others were applied. */
  readonly held?: boolean;
}

/**
 * Runs a projection as a bus subscriber. Each batch is one transaction of the projection's
 * database holding the effects and the new offsets. A failure the runtime classifies as
 * retriable (an engine away) is waited out with backoff, however long, and never
 * dead-letters. Any other failure is isolated to its event: the events before it commit, and
 * the event is tried again; after `maxAttempts` tries it goes to dead_letters with its error,
 * in the transaction that moves past it, and the projection goes on. Events that follow their
 * user's UserErased are skipped (and counted).
 */
export function hostProjection<DB extends RuntimeTables>(options: HostOptions<DB>): HostedProjection {
  const { projection, metrics } = options;
  const name = projection.name;
  // Kysely is invariant in its tables: the runtime's own queries see only its two tables.
  const runtime = (db: Kysely<DB>) => db as unknown as Kysely<RuntimeTables>;
  const failures = failurePolicy(name, options);
  let lastPosition = 0;
  let lastProgressAt = Date.now();

  const applyBatch = (batch: readonly Delivery[], isolate: boolean) =>
    options.db.transaction().execute(async (projectionTrx): Promise<BatchOutcome> => {
      const trx = runtime(projectionTrx);
      // After the lock, a fresh read: a rebuild's swap has either not begun or committed.
      await lockProjection(trx, name, 'current', options.sideBySide === true ? 'shared' : 'exclusive');
      const offsets = await readOffsets(trx, name);
      const fresh = batch.filter((delivery) => {
        const stored = appliedUpTo(offsets, delivery.partition);
        return stored === undefined || delivery.offset > stored;
      });
      const skipped = await options.erasure?.superseded(fresh.map((delivery) => delivery.event));
      const changed = new Map<string, string>();
      const settled: string[] = [];
      let count = 0;
      let newest: RecordedEvent | undefined;
      const passed = (delivery: Delivery) => {
        changed.set(delivery.partition, delivery.offset);
        settled.push(delivery.event.eventId);
        newest = delivery.event;
      };
      let failed: BatchOutcome['failed'];
      // Users whose events wait behind one of theirs that failed (usersApart), and the
      // partitions whose offsets stop before it.
      const heldUsers = new Set<string>();
      const heldPartitions = new Set<string>();
      const hold = (delivery: Delivery) => {
        heldUsers.add(holdKey(delivery.event));
        heldPartitions.add(delivery.partition);
      };
      if (!isolate) {
        const decoded: DecodedEvent<MindflowEvents>[] = [];
        for (const delivery of fresh) {
          if (skipped?.has(delivery.event.eventId) !== true) decoded.push(await options.decode(delivery.event));
          passed(delivery);
        }
        if (decoded.length > 0) await projection.apply(projectionTrx, decoded);
        count = decoded.length;
      } else {
        for (const delivery of fresh) {
          const event = delivery.event;
          if (heldUsers.has(holdKey(event))) continue;
          // Its back-off is not over: not tried now, its user's events held behind it.
          if (projection.usersApart === true && failures.waiting(event.eventId)) {
            hold(delivery);
            continue;
          }
          if (skipped?.has(event.eventId) === true) {
            passed(delivery);
            continue;
          }
          await sql`savepoint apply_event`.execute(trx);
          try {
            await projection.apply(projectionTrx, [await options.decode(event)]);
            await sql`release savepoint apply_event`.execute(trx);
            count += 1;
          } catch (error) {
            await sql`rollback to savepoint apply_event`.execute(trx);
            const verdict = failures.judge(error, event, await statementFailed(error));
            if (verdict.kind === 'retry' && projection.usersApart === true) {
              failed ??= { verdict, error };
              hold(delivery);
              continue;
            }
            if (verdict.kind !== 'dead-letter') {
              failed = { verdict, error };
              break;
            }
            await deadLetter(trx, name, options, event, error, verdict.tries);
          }
          passed(delivery);
        }
      }
      // Applied past a held event: not recorded as passed, so they come again with it.
      for (const partition of heldPartitions) changed.delete(partition);
      await saveOffsets(trx, name, changed);
      if (skipped !== undefined && skipped.size > 0) metrics.erasedSkipped.inc({ projection: name }, skipped.size);
      return {
        count,
        newest,
        settled,
        ...(failed === undefined ? {} : { failed }),
        ...(heldUsers.size > 0 ? { held: true } : {}),
      };
    });

  /**
   * Whether a failure is one statement's (40001, 40P01, 57014) while the projection's database
   * answers: then it counts against its event, which may keep failing, rather than being waited
   * out as an outage for ever. Connections lost, servers away: outages, as always.
   */
  const statementFailed = async (error: unknown) => {
    if (!isStatementFailure(error)) return false;
    try {
      await sql`select 1`.execute(options.db);
      return true;
    } catch {
      return false;
    }
  };

  const applyFastOrIsolated = async (batch: readonly Delivery[]): Promise<BatchOutcome> => {
    try {
      return await applyBatch(batch, false);
    } catch (error) {
      // A statement refused by a store that answers: an event's failure, found by isolating.
      if (failures.isOutage(error, await statementFailed(error))) {
        return await failures.retryLater({ kind: 'outage' }, error);
      }
      return applyBatch(batch, true);
    }
  };

  const handle = async (batch: readonly Delivery[]) => {
    // Fast path: the whole batch without savepoints. Only when something in it fails (for a
    // reason other than an engine away) is it done again event by event, each behind a
    // savepoint, to find and isolate the culprit.
    let outcome: BatchOutcome;
    try {
      // An event of the batch waits out its back-off: only the isolating path passes it by.
      const holding =
        projection.usersApart === true && batch.some((delivery) => failures.waiting(delivery.event.eventId));
      outcome = holding ? await applyBatch(batch, true) : await applyFastOrIsolated(batch);
    } catch (error) {
      // Outside any one event: the lock, the offsets, the fence or the commit.
      const verdict: Verdict = failures.isOutage(error) ? { kind: 'outage' } : { kind: 'retry', tries: 1 };
      return await failures.retryLater(verdict, error);
    }
    failures.settle(outcome.settled);
    lastProgressAt = Date.now();
    if (outcome.newest !== undefined) lastPosition = Math.max(lastPosition, outcome.newest.globalPosition);
    metrics.applied.inc({ projection: name }, outcome.count);
    metrics.lastProgress.set({ projection: name }, lastProgressAt / 1000);
    if (outcome.held === true) {
      const cause = outcome.failed?.error ?? new Error('an event of the batch waits for its next try');
      await failures.retryLater(outcome.failed?.verdict ?? { kind: 'retry', tries: 0 }, cause, true);
    }
    if (outcome.failed !== undefined) await failures.retryLater(outcome.failed.verdict, outcome.failed.error);
  };

  return {
    name,
    store: runtime(options.db),
    lastPosition: () => lastPosition,
    lastProgressAt: () => lastProgressAt,
    offsets: () => readOffsets(runtime(options.db), name),
    handle: oneBatchAtATime(name, options.logger, handle),
    replay: async (event) => {
      if ((await options.erasure?.superseded([event]))?.has(event.eventId) === true) return;
      await options.db.transaction().execute(async (trx) => {
        await projection.apply(trx, [await options.decode(event)]);
      });
    },
  };
}

/**
 * Hands `batch` to `host` until it has got past every event, applied or dead-lettered: what a
 * rebuild does where a bus would deliver again. The host waits as its failure policy asks (an
 * engine away, an event to try again) before each ProjectionRetry; anything else is thrown. With
 * `outages: 'throw'`, an engine away is thrown too: a host on a connection of its own (a
 * rebuild's lane) would wait for ever on a connection that is gone.
 */
export async function deliverUntilPast(
  host: Pick<HostedProjection, 'handle'>,
  batch: readonly Delivery[],
  outages: 'wait' | 'throw' = 'wait',
): Promise<void> {
  for (;;) {
    try {
      await host.handle(batch);
      return;
    } catch (error) {
      if (!(error instanceof ProjectionRetry) || (error.outage && outages === 'throw')) throw error;
    }
  }
}
