import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Kysely } from 'kysely';
import { readAll, type EventStoreTables, type RecordedEvent } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { catchUpFromStore, needsCatchUp } from './catch-up.js';
import { logOffset } from './embedded-bus.js';
import { eventsTopic } from './topic.js';
import type { Delivery, EventBus, SubscribeOptions, Subscriber, Subscription } from './types.js';
import { readWire } from './wire.js';

export interface KafkaBusOptions<DB extends EventStoreTables = EventStoreTables> {
  readonly kafka: Kafka;
  /** The event store: where a subscriber catches up from, and where oversized events are read. */
  readonly db: Kysely<DB>;
  /**
   * The event store's URL: catch-ups hold their turn-taking lock on a connection of their own
   * (without it, on one of `db`'s pool, which several catch-ups at once can run dry).
   */
  readonly url?: string;
  readonly logger: Logger;
  readonly topic?: string;
  /** Consumer groups are named `${groupPrefix}${subscriber.name}`. */
  readonly groupPrefix?: string;
}

/**
 * The bus of the full stack: one consumer group per subscriber on the events topic. Kafka
 * offsets are committed after the subscriber has handled a batch (at least once); the
 * subscriber's stored offsets (commit-order keys per partition) absorb redeliveries.
 *
 * A group that has never committed, or whose committed offsets are no longer on the topic,
 * first catches up from the event store (see catchUpFromStore): it never starts at whatever
 * the topic still holds. Subscribing returns at once; the catch-up and the consumer run in
 * the background, retried with backoff while they fail.
 */
export function createKafkaBus<DB extends EventStoreTables>(options: KafkaBusOptions<DB>): EventBus {
  const topic = options.topic ?? eventsTopic;
  const subscriptions = new Set<Subscription>();
  return {
    async subscribe(subscriber: Subscriber, subscribeOptions: SubscribeOptions = {}): Promise<Subscription> {
      const batchSize = subscribeOptions.batchSize ?? 500;
      const groupId = `${options.groupPrefix ?? 'mindflow.'}${subscriber.name}`;
      const state: { stopped: boolean; consumer: Consumer | undefined; wake: () => void } = {
        stopped: false,
        consumer: undefined,
        wake: () => undefined,
      };
      const start = async () => {
        const admin = options.kafka.admin();
        await admin.connect();
        try {
          if (await needsCatchUp(admin, groupId, topic)) {
            await catchUpFromStore({
              db: options.db,
              admin,
              groupId,
              topic,
              subscriber,
              batchSize,
              logger: options.logger,
              stopped: () => state.stopped,
              ...(options.url === undefined ? {} : { url: options.url }),
            });
          }
        } finally {
          await admin.disconnect();
        }
        if (state.stopped) return;
        const consumer = options.kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
        state.consumer = consumer;
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const partition = String(batch.partition);
            for (let start = 0; start < batch.messages.length; start += batchSize) {
              if (!payload.isRunning() || payload.isStale()) return;
              const messages = batch.messages.slice(start, start + batchSize);
              const deliveries: Delivery[] = [];
              for (const message of messages) {
                const event = await eventOf(options.db, message);
                // The event's commit-order key, not the Kafka offset: the relay publishes in
                // commit order, so it grows within a partition, and it is the same for a
                // republished duplicate, after a catch-up from the event store and after a rebuild.
                deliveries.push({
                  event,
                  partition,
                  offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
                });
              }
              await subscriber.handle(deliveries);
              const last = messages.at(-1);
              if (last === undefined) continue;
              payload.resolveOffset(last.offset);
              await consumer.commitOffsets([
                { topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
              ]);
              await payload.heartbeat();
            }
          },
        });
      };
      const running = (async () => {
        for (let failures = 0; !state.stopped; failures++) {
          try {
            await start();
            return;
          } catch (error) {
            await state.consumer?.disconnect().catch(() => undefined);
            state.consumer = undefined;
            const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
            options.logger.error(
              { err: error, subscriber: subscriber.name, backoffMs },
              'kafka bus: subscribing failed; retrying',
            );
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, backoffMs);
              state.wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
        }
      })();
      const subscription: Subscription = {
        stop: async () => {
          state.stopped = true;
          state.wake();
          await running;
          await state.consumer?.disconnect();
          subscriptions.delete(subscription);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
    },
  };
}

/** The event a message carries, or, for a reference to an event too large for the topic, the event read from the store. */
async function eventOf<DB extends EventStoreTables>(db: Kysely<DB>, message: KafkaMessage): Promise<RecordedEvent> {
  const value = readWire(message.value?.toString() ?? 'null');
  if (!('reference' in value)) return value;
  // Nothing sorts between (t, p - 1) and (t, p): the first event after it is the one referred to.
  const [event] = await readAll(db, { transactionId: value.transactionId, position: value.globalPosition - 1 }, 1);
  if (event?.eventId !== value.eventId) {
    throw new Error(`event ${value.eventId} (position ${value.globalPosition}) is not in the event store`);
  }
  return event;
}
