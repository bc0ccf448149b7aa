import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { createKafkaBus, ensureEventsTopic, type EventsTopic } from '@mindflow/core/bus';
import { entryStream } from '@mindflow/core/domain';
import {
  appendToStream,
  listenForEvents,
  newEventId,
  type EventNotifications,
  type EventStoreTables,
} from '@mindflow/core/eventstore';
import { connectKafka, deleteTopic, kafkaClientTimings } from '@mindflow/core/kafka';
import type { Logger } from '@mindflow/core/logging';
import {
  createTestDatabase,
  startTcpProxy,
  testEngines,
  uniqueName,
  type TcpProxy,
  type TestDatabase,
} from '@mindflow/core/testing';
import type { EventBus } from '@mindflow/core/bus';
import { Kafka, logLevel } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Test } from 'tap';
import { recordingSubscriber } from './bus.contract.js';
import { startRelay, type Relay, type RelayOptions, type RelayTables } from './relay.js';

/** A write database, its notifications and a Kafka topic of the test's own, removed at teardown. */
export interface KafkaFixture {
  readonly store: TestDatabase<EventStoreTables & RelayTables>;
  readonly notifications: EventNotifications;
  readonly kafka: Kafka;
  readonly topic: EventsTopic;
  /** The Kafka bus on the topic, consumer groups of the test's own. */
  readonly bus: EventBus;
  /** Messages on the topic, over every partition. */
  messages(): Promise<number>;
  /** A recording subscriber on the topic, in a consumer group of its own. */
  subscribe(): Promise<ReturnType<typeof recordingSubscriber>>;
}

export async function kafkaFixture(
  t: Test,
  logger: Logger,
  topicConfig: { partitions?: number; configEntries?: { name: string; value: string }[] } = {},
): Promise<KafkaFixture> {
  const store = await createTestDatabase<EventStoreTables & RelayTables>('write');
  t.teardown(() => store.drop());
  const notifications = await listenForEvents(store.url, logger);
  t.teardown(() => notifications.close());
  const connection = connectKafka(testEngines().kafka, logger);
  const { kafka } = connection;
  const name = uniqueName('test.events');
  if (topicConfig.configEntries !== undefined) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: topicConfig.partitions ?? 3, configEntries: topicConfig.configEntries }],
      waitForLeaders: true,
    });
    await admin.disconnect();
  }
  t.teardown(async () => {
    await deleteTopic(kafka, name);
    await connection.close();
  });
  const topic = await ensureEventsTopic(kafka, { topic: name, partitions: topicConfig.partitions ?? 3, logger });
  const bus = createKafkaBus({ kafka, db: store.db, logger, topic: name, groupPrefix: `test.${randomUUID()}.` });
  t.teardown(() => bus.close());
  return {
    store,
    notifications,
    kafka,
    topic,
    bus,
    messages: async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(name)).reduce((sum, partition) => sum + Number(partition.high), 0);
      } finally {
        await admin.disconnect();
      }
    },
    subscribe: async () => {
      const consumer = recordingSubscriber(`test-${randomUUID()}`);
      await bus.subscribe(consumer.subscriber);
      return consumer;
    },
  };
}

/** Appends one EntryDeleted event of the user at the stream's next version (padded to be large): its id. */
export async function appendDeleted<DB extends EventStoreTables>(
  db: Kysely<DB>,
  userId: string,
  stream: { id: string; version: number } = { id: entryStream(randomUUID()), version: 0 },
  padding = 0,
): Promise<string> {
  const eventId = newEventId();
  await appendToStream(db, stream.id, stream.version, [
    {
      eventId,
      type: 'EntryDeleted',
      schemaVersion: 1,
      occurredAt: new Date(),
      userId,
      data: { entryId: randomUUID(), ...(padding > 0 ? { padding: 'x'.repeat(padding) } : {}) },
      metadata: {},
    },
  ]);
  return eventId;
}

/** A relay publishing the fixture's event store to its topic (polling every 100 ms), stopped at teardown. */
export async function relayOn(
  t: Test,
  fixture: KafkaFixture,
  logger: Logger,
  options: Partial<RelayOptions<EventStoreTables & RelayTables>> = {},
): Promise<Relay> {
  const relay = await startRelay({
    db: fixture.store.db,
    url: fixture.store.url,
    kafka: fixture.kafka,
    notifications: fixture.notifications,
    logger,
    topic: fixture.topic,
    pollMs: 100,
    ...options,
  });
  t.teardown(() => relay.stop());
  return relay;
}

/**
 * A Kafka client whose every connection (to whatever broker the cluster advertises) goes
 * through a TCP proxy the test can cut or silence, closed at teardown: Kafka away for this
 * client only, the broker running on for everyone else.
 */
export async function kafkaBehindProxy(t: Test): Promise<{ kafka: Kafka; proxy: TcpProxy }> {
  const [host = '127.0.0.1', port = '9092'] = (testEngines().kafka.brokers[0] ?? '').split(':');
  const proxy = await startTcpProxy({ host, port: Number(port) });
  t.teardown(() => proxy.close());
  const kafka = new Kafka({
    ...kafkaClientTimings,
    clientId: `test-${randomUUID()}`,
    brokers: [`127.0.0.1:${proxy.port}`],
    logLevel: logLevel.NOTHING,
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
  });
  return { kafka, proxy };
}
