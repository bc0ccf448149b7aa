import type { Kysely } from 'kysely';
import type { Checkpoint, EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { catchUpLockKey, deliverNextBatch, startingPoint, withSessionLock } from './catch-up.js';
import { logOffset } from './embedded-bus.js';
import type { Subscriber } from './types.js';

export interface StoreFollowerOptions<DB extends EventStoreTables> {
  readonly db: Kysely<DB>;
  /** Where the turn-taking lock is held (default: a connection of db's pool). */
  readonly url?: string;
  readonly subscriber: Subscriber;
  readonly groupId: string;
  readonly topic: string;
  /** The topic's partition count, as last seen: events are delivered under the relay's partitions. */
  readonly partitions: number;
  readonly batchSize: number;
  readonly logger: Logger;
  /** The wait between two passes over the event store (default 500 ms). */
  readonly pollMs?: number;
}

export interface StoreFollower {
  /** Ends the pass in hand, then stops. */
  stop(): Promise<void>;
}

/**
 * Keeps a subscriber current from the event store while its Kafka consumer is not in its group
 * (joining, Kafka away, a killed member still holding the partitions): every `pollMs`, it hands the subscriber what the store
 * holds beyond what it last handed, exactly as a catch-up does (the relay's partition and the
 * event's commit-order key per delivery). The event store is the log of record, so the
 * projections stay as current as with Kafka, read-your-writes included, however long Kafka is
 * away; when the consumer is back, it reads from its committed offsets, and the stored offsets
 * absorb whatever this already applied (see catchUpFromStore).
 *
 * Passes take turns with the catch-ups of the group across processes (the same advisory lock),
 * so two processes do not apply the same events side by side. A pass whose batch fails ends
 * (logged); the next one tries again after the poll wait, doubling to 5 s while it fails.
 */
export function followStore<DB extends EventStoreTables>(options: StoreFollowerOptions<DB>): StoreFollower {
  const { subscriber, logger, groupId } = options;
  const pollMs = options.pollMs ?? 500;
  const state: { stopped: boolean; wake: () => void } = { stopped: false, wake: () => undefined };
  let checkpoint: Checkpoint | undefined;
  let delivered = 0;
  logger.info(
    { subscriber: subscriber.name, groupId },
    'kafka bus: following the event store until the consumer is in its group',
  );
  const running = (async () => {
    for (let failures = 0; !state.stopped;) {
      try {
        await withSessionLock(options, catchUpLockKey(groupId, options.topic), async () => {
          let from = checkpoint ?? (await startingPoint(subscriber, options.partitions));
          for (let next; !state.stopped && (next = await deliverNextBatch(options, from)) !== undefined;) {
            from = next.checkpoint;
            checkpoint = from;
            delivered += next.delivered;
          }
        });
        failures = 0;
      } catch (error) {
        failures += 1;
        logger.error(
          { err: error, subscriber: subscriber.name, groupId, at: checkpoint && logOffset(checkpoint) },
          'kafka bus: following the event store failed; trying again',
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5_000, pollMs * 2 ** Math.min(failures, 4)));
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      state.stopped = true;
      state.wake();
      await running;
      logger.info(
        { subscriber: subscriber.name, groupId, delivered },
        'kafka bus: the consumer is in its group; stopped following the event store',
      );
    },
  };
}
