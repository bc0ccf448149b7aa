import type { Delivery } from '../bus/index.js';
import { createLogger } from '../logging/index.js';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { deadLetter, failurePolicy, type RuntimeServices, type Verdict } from './failures.js';
import type { HostedProjection } from './host.js';
import { createProjectionMetrics } from './metrics.js';
import { appliedUpTo, readOffsets, saveOffsets } from './offsets.js';
import { oneBatchAtATime } from './one-batch-at-a-time.js';
import type { RuntimeTables } from './tables.js';

/** Services for a host built without any (a test of one projection): its own metrics, no logs, no fence. */
export function standaloneServices(): RuntimeServices {
  return {
    metrics: createProjectionMetrics(new Registry()),
    logger: createLogger({ level: 'silent', pretty: false }, 'projection'),
  };
}

/**
 * A projection into a store outside the read database (a cache, a search index, the audit
 * store). Its offsets and dead letters live in the read database; offsets are saved after the
 * effects of each batch: effects happen at least once, so `apply` must be idempotent
 * (deletions, versioned writes). The runtime skips deliveries at or before the saved offsets
 * and those that follow their user's UserErased, and hands `apply` the rest, in order.
 *
 * Failures take the same path as in `hostProjection`: an engine away is waited out and never
 * dead-letters; any other failure is isolated to its event (applied alone, in order), tried
 * again, and dead-lettered after `maxAttempts` tries while the projection goes on.
 */
export function hostExternalProjection<DB extends RuntimeTables>(
  name: string,
  readDb: Kysely<DB>,
  services: RuntimeServices,
  apply: (deliveries: readonly Delivery[]) => Promise<void>,
): HostedProjection {
  // Kysely is invariant in its tables: this only touches the runtime's tables.
  const db = readDb as unknown as Kysely<RuntimeTables>;
  const failures = failurePolicy(name, services);
  const outage: Verdict = { kind: 'outage' };
  let lastPosition = 0;
  let lastProgressAt = Date.now();

  /** Applies `fresh` (all or up to the first event that must be tried again); what got past. */
  const applyAll = async (fresh: readonly Delivery[]) => {
    const skipped = (await services.erasure?.superseded(fresh.map((delivery) => delivery.event))) ?? new Set();
    if (skipped.size > 0) services.metrics.erasedSkipped.inc({ projection: name }, skipped.size);
    const wanted = fresh.filter((delivery) => !skipped.has(delivery.event.eventId));
    try {
      if (wanted.length > 0) await apply(wanted);
      return { passed: fresh, applied: wanted.length };
    } catch (error) {
      if (failures.isOutage(error)) return { passed: [], applied: 0, failed: { verdict: outage, error } };
    }
    const passed: Delivery[] = [];
    let applied = 0;
    for (const delivery of fresh) {
      if (!skipped.has(delivery.event.eventId)) {
        try {
          await apply([delivery]);
          applied += 1;
        } catch (error) {
          const verdict = failures.judge(error, delivery.event);
          if (verdict.kind !== 'dead-letter') return { passed, applied, failed: { verdict, error } };
          await deadLetter(db, name, services, delivery.event, error, verdict.tries);
        }
      }
      passed.push(delivery);
    }
    return { passed, applied };
  };

  const handle = async (batch: readonly Delivery[]) => {
    let outcome: Awaited<ReturnType<typeof applyAll>>;
    try {
      const stored = await readOffsets(db, name);
      const fresh = batch.filter((delivery) => {
        const applied = appliedUpTo(stored, delivery.partition);
        return applied === undefined || delivery.offset > applied;
      });
      outcome = await applyAll(fresh);
      const changed = new Map(outcome.passed.map((delivery) => [delivery.partition, delivery.offset]));
      await saveOffsets(db, name, changed);
    } catch (error) {
      const verdict: Verdict = failures.isOutage(error) ? outage : { kind: 'retry', tries: 1 };
      return await failures.retryLater(verdict, error);
    }
    failures.settle(outcome.passed.map((delivery) => delivery.event.eventId));
    for (const delivery of outcome.passed) lastPosition = Math.max(lastPosition, delivery.event.globalPosition);
    lastProgressAt = Date.now();
    services.metrics.applied.inc({ projection: name }, outcome.applied);
    services.metrics.lastProgress.set({ projection: name }, lastProgressAt / 1000);
    if (outcome.failed !== undefined) await failures.retryLater(outcome.failed.verdict, outcome.failed.error);
  };

  return {
    name,
    store: db,
    offsets: () => readOffsets(db, name),
    lastPosition: () => lastPosition,
    lastProgressAt: () => lastProgressAt,
    handle: oneBatchAtATime(name, services.logger, handle),
    replay: async (event) => {
      if ((await services.erasure?.superseded([event]))?.has(event.eventId) === true) return;
      await apply([{ event, partition: 'replay', offset: '' }]);
    },
  };
}
