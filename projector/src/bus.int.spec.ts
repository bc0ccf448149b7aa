import { randomUUID } from 'node:crypto';
import { createEmbeddedBus, createKafkaBus, ensureEventsTopic } from '@mindflow/core/bus';
import { listenForEvents, type EventStoreTables } from '@mindflow/core/eventstore';
import { connectKafka, deleteTopic } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import { createTestDatabase, testEngines } from '@mindflow/core/testing';
import t from 'tap';
import { busContract } from './bus.contract.js';
import { startRelay, type RelayTables } from './relay.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

t.test('embedded bus (the event store, woken by LISTEN/NOTIFY)', async (t) => {
  busContract(t, async () => {
    const store = await createTestDatabase<EventStoreTables>('write');
    const notifications = await listenForEvents(store.url, logger);
    const bus = createEmbeddedBus({ db: store.db, notifications, logger, pollMs: 500 });
    return {
      bus,
      db: store.db,
      close: async () => {
        await bus.close();
        await notifications.close();
        await store.drop();
      },
    };
  });
});

t.test('Kafka bus (the relay publishing the event store to a topic)', async (t) => {
  busContract(t, async () => {
    const store = await createTestDatabase<EventStoreTables & RelayTables>('write');
    const notifications = await listenForEvents(store.url, logger);
    const connection = connectKafka(testEngines().kafka, logger);
    const topic = `test.events.${randomUUID()}`;
    const eventsTopicInfo = await ensureEventsTopic(connection.kafka, { topic, partitions: 3, logger });
    const relay = await startRelay({
      db: store.db,
      url: store.url,
      kafka: connection.kafka,
      notifications,
      logger,
      topic: eventsTopicInfo,
      pollMs: 200,
    });
    const bus = createKafkaBus({
      kafka: connection.kafka,
      db: store.db,
      logger,
      topic,
      groupPrefix: `test.${randomUUID()}.`,
    });
    return {
      bus,
      db: store.db,
      close: async () => {
        await bus.close();
        await relay.stop();
        await notifications.close();
        await deleteTopic(connection.kafka, topic);
        await connection.close();
        await store.drop();
      },
    };
  });
});
