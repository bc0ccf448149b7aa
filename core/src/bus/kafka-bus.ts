import type { Kafka } from 'kafkajs';
import type { Logger } from '../logging/index.js';
import type { EventBus, SubscribeOptions, Subscriber, Subscription } from './types.js';
import { logOffset } from './embedded-bus.js';
import { fromWire } from './wire.js';

/** The topic every event is published to, keyed by user id. */
export const eventsTopic = 'mindflow.events';

/** Creates the events topic when absent (several partitions: one user's events stay in one). */
export async function ensureEventsTopic(kafka: Kafka, topic = eventsTopic, partitions = 6): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}

export interface KafkaBusOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly topic?: string;
  /** Consumer groups are named `${groupPrefix}${subscriber.name}`. */
  readonly groupPrefix?: string;
}

/**
 * The bus of the full stack: one consumer group per subscriber on the events topic. Kafka
 * offsets are committed after the subscriber has handled a batch (at least once); the
 * subscriber's stored offsets (commit-order keys per partition) absorb redeliveries.
 */
export function createKafkaBus(options: KafkaBusOptions): EventBus {
  const topic = options.topic ?? eventsTopic;
  const subscriptions = new Set<Subscription>();
  return {
    async subscribe(subscriber: Subscriber, subscribeOptions: SubscribeOptions = {}): Promise<Subscription> {
      const batchSize = subscribeOptions.batchSize ?? 500;
      const consumer = options.kafka.consumer({
        groupId: `${options.groupPrefix ?? 'mindflow.'}${subscriber.name}`,
        maxBytesPerPartition: 4 * 1024 * 1024,
      });
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
            await subscriber.handle(
              messages.map((message) => {
                const event = fromWire(message.value?.toString() ?? 'null');
                // The event's commit-order key, not the Kafka offset: the relay publishes in
                // commit order, so it grows within a partition, and it is the same for a
                // republished duplicate and after a rebuild from the event store.
                return {
                  event,
                  partition,
                  offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
                };
              }),
            );
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
      const subscription: Subscription = {
        stop: async () => {
          await consumer.disconnect();
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
