import type { Kafka } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { EventsTopicSettings } from '../config/index.js';
import { listenForEvents, type EventNotifications, type EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { createEmbeddedBus } from './embedded-bus.js';
import { createKafkaBus } from './kafka-bus.js';
import { ensureEventsTopic, eventsTopic, type EventsTopic } from './topic.js';
import type { EventBus } from './types.js';

export interface OpenEventBusOptions<DB extends EventStoreTables> {
  /** The write database, where the event store is. */
  readonly db: Kysely<DB>;
  /**
   * Its URL: without Kafka, the bus listens there for commits; with Kafka, catch-ups from the
   * event store hold their turn-taking lock on a connection of their own opened there.
   */
  readonly writeUrl: string;
  /** With Kafka: subscribers consume the events topic (created if missing), one group each. */
  readonly kafka: Kafka | undefined;
  /** The Kafka topic and consumer-group prefix (defaults: mindflow.events, mindflow.). */
  readonly topic?: string;
  readonly groupPrefix?: string;
  /** How the events topic is created when absent (defaults: one local broker). */
  readonly topicSettings?: Partial<EventsTopicSettings>;
  readonly logger: Logger;
  /**
   * Commit notifications the caller already listens for (and closes itself). Without them,
   * the embedded bus listens on its own and stops listening when it is closed.
   */
  readonly notifications?: EventNotifications;
}

export interface OpenedEventBus {
  readonly bus: EventBus;
  /** With Kafka: the events topic as it is on the brokers (what a relay publishes to). */
  readonly topic: EventsTopic | undefined;
}

/**
 * The event bus every process that hosts projections subscribes to: Kafka when it is
 * configured (the events topic created if missing; a new group catches up from the event
 * store), else the event store itself (catch-up reads woken by LISTEN/NOTIFY).
 *
 * @example
 *   const { bus } = await openEventBus({ db: writeDb, writeUrl, kafka, logger });
 *   const subscription = await bus.subscribe(hostedProjection);
 */
export async function openEventBus<DB extends EventStoreTables>(
  options: OpenEventBusOptions<DB>,
): Promise<OpenedEventBus> {
  const { logger } = options;
  if (options.kafka === undefined) {
    if (options.notifications !== undefined) {
      return {
        bus: createEmbeddedBus({ db: options.db, notifications: options.notifications, logger }),
        topic: undefined,
      };
    }
    const notifications = await listenForEvents(options.writeUrl, logger);
    const bus = createEmbeddedBus({ db: options.db, notifications, logger });
    return {
      bus: {
        subscribe: (subscriber, subscribeOptions) => bus.subscribe(subscriber, subscribeOptions),
        close: async () => {
          await bus.close();
          await notifications.close();
        },
      },
      topic: undefined,
    };
  }
  const topic = await ensureEventsTopic(options.kafka, {
    ...options.topicSettings,
    topic: options.topic ?? eventsTopic,
    logger,
  });
  const bus = createKafkaBus({
    kafka: options.kafka,
    db: options.db,
    url: options.writeUrl,
    logger,
    topic: topic.name,
    ...(options.groupPrefix === undefined ? {} : { groupPrefix: options.groupPrefix }),
  });
  return { bus, topic };
}
