import type { Delivery } from '../bus/index.js';
import type { Logger } from '../logging/index.js';

/** How often a batch still in hand is logged. */
export const inHandWarningMs = 30_000;

/**
 * A projection's `handle`, made to take one batch at a time in this process: a process can
 * hand one projection batches from two paths at once (its Kafka consumer, and the event store
 * followed while that consumer joins its group), and two batches applied side by side would
 * read the same stored offsets and do the same work twice. Whoever comes second waits its
 * turn; across processes, hostProjection's advisory lock (and, for stores outside the read
 * database, idempotent effects) does the same.
 *
 * A batch still in hand after `warnEveryMs` is logged, and again every `warnEveryMs`, with how
 * long and where it starts: a store call that never returns would otherwise stall the projection
 * without a word (its consumer heartbeats all the while, so Kafka never takes its partitions).
 */
export function oneBatchAtATime(
  name: string,
  logger: Logger,
  handle: (batch: readonly Delivery[]) => Promise<void>,
  warnEveryMs = inHandWarningMs,
): (batch: readonly Delivery[]) => Promise<void> {
  let turn: Promise<unknown> = Promise.resolve();
  return (batch) => {
    const run = turn.then(async () => {
      const started = Date.now();
      const first = batch[0];
      const timer = setInterval(() => {
        logger.warn(
          {
            projection: name,
            inHandMs: Date.now() - started,
            events: batch.length,
            partition: first?.partition,
            offset: first?.offset,
          },
          'projection: a batch is still in hand',
        );
      }, warnEveryMs);
      timer.unref();
      try {
        await handle(batch);
      } finally {
        clearInterval(timer);
      }
    });
    turn = run.catch(() => undefined);
    return run;
  };
}
