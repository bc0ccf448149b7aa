import { randomUUID } from 'node:crypto';
import { createKafkaBus } from '@mindflow/core/bus';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { recordingSubscriber } from './bus.contract.js';
import { appendDeleted, kafkaBehindProxy, kafkaFixture, relayOn } from './kafka-fixture.js';

// Kafka cut away from the relay and the consumers (every connection of theirs goes through a
// proxy the test cuts; the broker itself runs on for everyone else): the subscriber keeps being
// handed the events the store commits, and each event is applied once, before, during and after.
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const timeouts = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 6_000 };

t.test('with Kafka away, a subscriber follows the event store; back, it reads the topic again', async (t) => {
  const fixture = await kafkaFixture(t, logger);
  const { kafka, proxy } = await kafkaBehindProxy(t);
  await relayOn(t, fixture, logger, { kafka });
  const groupPrefix = `test.${randomUUID()}.`;
  const bus = createKafkaBus({
    kafka,
    db: fixture.store.db,
    url: fixture.store.url,
    logger,
    topic: fixture.topic.name,
    groupPrefix,
    timeouts,
  });
  t.teardown(() => bus.close());
  const name = `follower-${randomUUID()}`;
  const recording = recordingSubscriber(name);
  await bus.subscribe(recording.subscriber);
  const appended: string[] = [];
  const append = async (count: number) => {
    for (let i = 0; i < count; i++) appended.push(await appendDeleted(fixture.store.db, randomUUID()));
  };
  const allApplied = (what: string, timeoutMs: number) =>
    waitFor(
      async () => (appended.every((id) => recording.applied.some((event) => event.eventId === id)) ? true : undefined),
      timeoutMs,
      what,
    );
  const admin = fixture.kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  /** Whether the group has committed the topic's end on every partition (it reads the topic). */
  const committedToEnd = async () => {
    const ends = await admin.fetchTopicOffsets(fixture.topic.name);
    const [committed] = await admin.fetchOffsets({ groupId: `${groupPrefix}${name}`, topics: [fixture.topic.name] });
    return ends.every(
      (end) =>
        end.high === '0' ||
        committed?.partitions.find((partition) => partition.partition === end.partition)?.offset === end.high,
    );
  };

  // Through Kafka (a first event on every partition, so the group has offsets to resume from).
  await append(12);
  await allApplied('the events before the cut', 60_000);
  await waitFor(async () => ((await committedToEnd()) ? true : undefined), 30_000, 'the group to commit');

  await proxy.cut();
  const cut = Date.now();
  await append(30);
  await allApplied('the events committed while Kafka is away', 15_000);
  t.comment(`applied while Kafka was away, ${Date.now() - cut} ms after the cut`);
  t.equal(await fixture.messages(), 12, 'nothing reached the topic meanwhile: they came from the event store');

  await proxy.restore();
  await append(10);
  await allApplied('the events after Kafka returned', 30_000);
  // The relay publishes the backlog, the consumer reads it from its committed offsets: every
  // event of the topic is read again and skipped, none applied twice.
  await waitFor(async () => ((await fixture.messages()) === appended.length ? true : undefined), 30_000, 'the backlog');
  await waitFor(async () => ((await committedToEnd()) ? true : undefined), 60_000, 'the group to read the topic');
  const ids = recording.applied.map((event) => event.eventId);
  t.equal(new Set(ids).size, ids.length, 'no event applied twice');
  t.same(new Set(ids), new Set(appended), 'every event applied');
});
