import type { Kafka } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { ConsumerTimeouts, EventsTopicSettings } from '../config/index.js';
import { listenForEvents, type EventNotifications, type EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { createEmbeddedBus } from './embedded-bus.js';
import { createKafkaBus } from './kafka-bus.js';
import { ensureEventsTopic, eventsTopic, type EventsTopic } from './topic.js';
import type { EventBus } from './types.js';

/** Which bus a process uses, as its configuration says: the event store alone, or Kafka and how. */
export interface EventBusChoice {
  /** With Kafka: subscribers consume the events topic (created if missing), one group each. */
  readonly kafka: Kafka | undefined;
  /** The Kafka topic and consumer-group prefix (defaults: mindflow.events, mindflow.). */
  readonly topic?: string;
  readonly groupPrefix?: string;
  /** How the events topic is created when absent (defaults: one local broker). */
  readonly topicSettings?: Partial<EventsTopicSettings>;
  /** With Kafka: group membership timings of every consumer (see createKafkaBus). */
  readonly consumerTimeouts?: ConsumerTimeouts;
}

export interface OpenEventBusOptions<DB extends EventStoreTables> extends EventBusChoice {
  /** The write database, where the event store is. */
  readonly db: Kysely<DB>;
  /**
   * Its URL: without Kafka, the bus listens there for commits; with Kafka, catch-ups from the
   * event store hold their turn-taking lock on a connection of their own opened there.
   */
  readonly writeUrl: string;
  /** With Kafka: where consumer restarts are counted. */
  readonly registry?: Registry;
  readonly logger: Logger;
  /**
   * Commit notifications the caller already listens for (and closes itself). Without them,
   * the embedded bus listens on its own and stops listening when it is closed.
   */
  readonly notifications?: EventNotifications;
}

export interface OpenedEventBus {
  readonly bus: EventBus;
  /**
   * With Kafka: the events topic as it is on the brokers (what a relay publishes to), created
   * if missing on the first call; a call after a failure (Kafka out of reach) tries again.
   */
  readonly topic: (() => Promise<EventsTopic>) | undefined;
}

/**
 * The event bus every process that hosts projections subscribes to: Kafka when it is
 * configured (the events topic created if missing; a new group catches up from the event
 * store), else the event store itself (catch-up reads woken by LISTEN/NOTIFY). With Kafka it
 * returns without waiting for the brokers: consumers start (and the topic is ensured) in the
 * background, so a process serves HTTP while Kafka is away or its groups rebalance.
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
        liveness: bus.liveness,
        close: async () => {
          await bus.close();
          await notifications.close();
        },
      },
      topic: undefined,
    };
  }
  const name = options.topic ?? eventsTopic;
  let ensured: Promise<EventsTopic> | undefined;
  const kafka = options.kafka;
  const topic = () => {
    ensured ??= ensureEventsTopic(kafka, { ...options.topicSettings, topic: name, logger }).catch((error: unknown) => {
      ensured = undefined;
      throw error;
    });
    return ensured;
  };
  const bus = createKafkaBus({
    kafka,
    db: options.db,
    url: options.writeUrl,
    logger,
    topic: name,
    ensureTopic: topic,
    ...(options.groupPrefix === undefined ? {} : { groupPrefix: options.groupPrefix }),
    ...(options.consumerTimeouts === undefined ? {} : { timeouts: options.consumerTimeouts }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
  });
  return { bus, topic };
}
