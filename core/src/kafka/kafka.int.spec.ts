import t from 'tap';
import { createLogger } from '../logging/index.js';
import { testEngines, uniqueName, waitFor } from '../testing/index.js';
import { connectKafka } from './index.js';

t.test('kafkajs against the real Kafka: create a topic, produce keyed messages, consume in a group', async (t) => {
  const connection = connectKafka(testEngines().kafka, createLogger({ level: 'warn', pretty: false }, 'test'));
  const { kafka } = connection;
  const topic = uniqueName('smoke');
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await connection.close();
  });
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await t.resolves(connection.health.check());

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const sent = ['first', 'second', 'third'].map((value, i) => ({ key: `user-${i % 2}`, value }));
  await producer.send({ topic, acks: -1, messages: sent });

  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: { key: string; value: string; partition: number }[] = [];
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
    },
  });
  await waitFor(async () => (received.length >= sent.length ? true : undefined), 30_000, 'three messages');

  t.same(received.map((m) => m.value).sort(), ['first', 'second', 'third']);
  const partitionsOf = (key: string) => new Set(received.filter((m) => m.key === key).map((m) => m.partition));
  t.equal(partitionsOf('user-0').size, 1, 'one key, one partition');
  t.same(
    received.filter((m) => m.key === 'user-0').map((m) => m.value),
    ['first', 'third'],
    'one key keeps its order',
  );
});
