import { randomUUID } from 'node:crypto';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { recordingSubscriber } from './bus.contract.js';
import { appendDeleted, kafkaFixture, relayOn as relayOnFixture, type KafkaFixture } from './kafka-fixture.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const users = Array.from({ length: 6 }, () => randomUUID());

async function append(fixture: KafkaFixture, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await appendDeleted(fixture.store.db, users[i % users.length] ?? ''));
  return ids;
}

const relayOn = (t: Test, fixture: KafkaFixture) => relayOnFixture(t, fixture, logger, { batchSize: 7 });

/** Every event once, each user's in commit order. */
function checkDelivered(t: Test, applied: readonly RecordedEvent[], ids: readonly string[]) {
  t.same(new Set(applied.map((event) => event.eventId)), new Set(ids), 'every event');
  t.equal(applied.length, ids.length, 'none twice');
  for (const user of users) {
    const positions = applied.filter((event) => event.userId === user).map((event) => event.globalPosition);
    t.same(
      positions,
      [...positions].sort((a, b) => a - b),
      `user ${user.slice(0, 8)} in order`,
    );
  }
}

t.test(
  'a new projection on a topic whose early messages are gone gets every event from the store, once, in order',
  async (t) => {
    const fixture = await kafkaFixture(t, logger);
    const older = await append(fixture, 60);
    // The topic holds only what came after the older half (as after retention deleted it).
    await sql`insert into relay_checkpoints (name, transaction_id, position)
            select 'kafka', transaction_id, global_position from events
            order by transaction_id desc, global_position desc limit 1`.execute(fixture.store.db);
    await relayOn(t, fixture);
    const newer = await append(fixture, 30);
    await waitFor(
      async () => ((await fixture.messages()) >= 30 ? true : undefined),
      30_000,
      'the newer half on the topic',
    );
    t.equal(await fixture.messages(), 30, 'the topic lacks the older half');

    // Events keep coming while the projection catches up and hands over to the topic.
    const consumer = recordingSubscriber(`catch-up-${randomUUID()}`);
    const [, during] = await Promise.all([fixture.bus.subscribe(consumer.subscriber), append(fixture, 40)]);
    const ids = [...older, ...newer, ...during];
    await waitFor(async () => (consumer.applied.length >= ids.length ? true : undefined), 60_000, 'every event');
    await waitFor(async () => ((await fixture.messages()) >= 70 ? true : undefined), 30_000, 'the rest on the topic');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let any redelivery arrive
    checkDelivered(t, consumer.applied, ids);
  },
);

t.test('a projection whose offsets are no longer on the topic catches up from the store', async (t) => {
  const fixture = await kafkaFixture(t, logger);
  await relayOn(t, fixture);
  const first = await append(fixture, 30);
  const consumer = recordingSubscriber(`expired-${randomUUID()}`);
  let subscription = await fixture.bus.subscribe(consumer.subscriber);
  await waitFor(async () => (consumer.applied.length >= first.length ? true : undefined), 60_000, 'the first events');
  await subscription.stop();

  // While it is away, more events come and the topic loses everything it holds.
  const second = await append(fixture, 30);
  await waitFor(async () => ((await fixture.messages()) >= 60 ? true : undefined), 30_000, 'all on the topic');
  const admin = fixture.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(fixture.topic.name);
  await admin.deleteTopicRecords({
    topic: fixture.topic.name,
    partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
  });
  await admin.disconnect();

  subscription = await fixture.bus.subscribe(consumer.subscriber);
  t.teardown(() => subscription.stop());
  const third = await append(fixture, 10);
  const ids = [...first, ...second, ...third];
  await waitFor(async () => (consumer.applied.length >= ids.length ? true : undefined), 60_000, 'every event');
  checkDelivered(t, consumer.applied, ids);
});
