import type { Kysely } from 'kysely';
import {
  readAll,
  startOfLog,
  type Checkpoint,
  type EventNotifications,
  type EventStoreTables,
} from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { DeliverAgain, type EventBus, type SubscribeOptions, type Subscriber, type Subscription } from './types.js';

const partition = 'log';
const width = 20;

/** The offset of an event on the embedded bus: its commit-order key, sortable as a string. */
export function logOffset(checkpoint: Checkpoint): string {
  return `${checkpoint.transactionId.padStart(width, '0')}:${String(checkpoint.position).padStart(width, '0')}`;
}

/** The checkpoint an offset stands for (the start of the log for none): logOffset's inverse. */
export function checkpointOf(offset: string | undefined): Checkpoint {
  if (offset === undefined) return startOfLog;
  const [transactionId = '0', position = '0'] = offset.split(':');
  return { transactionId: BigInt(transactionId).toString(), position: Number(position) };
}

export interface EmbeddedBusOptions<DB extends EventStoreTables = EventStoreTables> {
  readonly db: Kysely<DB>;
  readonly notifications: EventNotifications;
  readonly logger: Logger;
  /** Read at least this often, in case a notification is missed. */
  readonly pollMs?: number;
}

/**
 * The bus of embedded mode: each subscriber reads the event store itself, in commit order and
 * without gaps (readAll), from the offset it stored, woken when events commit.
 */
export function createEmbeddedBus<DB extends EventStoreTables>(options: EmbeddedBusOptions<DB>): EventBus {
  const pollMs = options.pollMs ?? 1_000;
  const subscriptions = new Set<Subscription>();
  return {
    async subscribe(subscriber: Subscriber, subscribeOptions: SubscribeOptions = {}): Promise<Subscription> {
      const batchSize = subscribeOptions.batchSize ?? 500;
      const state = { stopped: false };
      const stopped = () => state.stopped;
      const loop = (async () => {
        while (!stopped()) {
          try {
            const stored = await subscriber.offsets();
            const events = await readAll(options.db, checkpointOf(stored.get(partition)), batchSize);
            if (events.length > 0) {
              await subscriber.handle(
                events.map((event) => ({
                  event,
                  partition,
                  offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
                })),
              );
              continue;
            }
          } catch (error) {
            // The subscriber has waited already, and wants what came meanwhile too.
            if (error instanceof DeliverAgain) continue;
            options.logger.error(
              { err: error, subscriber: subscriber.name },
              'embedded bus: delivery failed; retrying',
            );
          }
          if (!stopped()) await options.notifications.next(pollMs);
        }
      })();
      const subscription: Subscription = {
        stop: async () => {
          state.stopped = true;
          options.notifications.wakeAll();
          await loop;
          subscriptions.delete(subscription);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    // Each subscriber's loop retries whatever fails, in this process: nothing a restart would mend.
    liveness: { name: 'event bus consumers', check: async () => undefined },
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
    },
  };
}
