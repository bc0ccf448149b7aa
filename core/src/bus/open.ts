import type { Kafka } from 'kafkajs';
import type { Kysely } from 'kysely';
import { listenForEvents, type EventNotifications, type EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { createEmbeddedBus } from './embedded-bus.js';
import { createKafkaBus, ensureEventsTopic, eventsTopic } from './kafka-bus.js';
import type { EventBus } from './types.js';

export interface OpenEventBusOptions<DB extends EventStoreTables> {
  /** The write database, where the event store is. */
  readonly db: Kysely<DB>;
  /** Its URL: without Kafka, the bus listens there for commits. */
  readonly writeUrl: string;
  /** With Kafka: subscribers consume the events topic (created if missing), one group each. */
  readonly kafka: Kafka | undefined;
  /** The Kafka topic and consumer-group prefix (defaults: mindflow.events, mindflow.). */
  readonly topic?: string;
  readonly groupPrefix?: string;
  readonly logger: Logger;
  /**
   * Commit notifications the caller already listens for (and closes itself). Without them,
   * the embedded bus listens on its own and stops listening when it is closed.
   */
  readonly notifications?: EventNotifications;
}

/**
 * The event bus every process that hosts projections subscribes to: Kafka when it is
 * configured, else the event store itself (catch-up reads woken by LISTEN/NOTIFY).
 *
 * @example
 *   const bus = await openEventBus({ db: writeDb, writeUrl, kafka, logger });
 *   const subscription = await bus.subscribe(hostedProjection);
 */
export async function openEventBus<DB extends EventStoreTables>(options: OpenEventBusOptions<DB>): Promise<EventBus> {
  const { logger } = options;
  if (options.kafka === undefined) {
    if (options.notifications !== undefined) {
      return createEmbeddedBus({ db: options.db, notifications: options.notifications, logger });
    }
    const notifications = await listenForEvents(options.writeUrl, logger);
    const bus = createEmbeddedBus({ db: options.db, notifications, logger });
    return {
      subscribe: (subscriber, subscribeOptions) => bus.subscribe(subscriber, subscribeOptions),
      close: async () => {
        await bus.close();
        await notifications.close();
      },
    };
  }
  const topic = options.topic ?? eventsTopic;
  await ensureEventsTopic(options.kafka, topic);
  return createKafkaBus({
    kafka: options.kafka,
    logger,
    topic,
    ...(options.groupPrefix === undefined ? {} : { groupPrefix: options.groupPrefix }),
  });
}
