import { randomUUID } from 'node:crypto';
import { testUser } from '@mindflow/command-service/testing';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { Registry } from 'prom-client';
import t from 'tap';
import { appendDeleted, kafkaFixture } from './kafka-fixture.js';
import { startRelay } from './relay.js';
import { projectorForTest } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

t.test(
  '300 entries of 10,000 characters for one user, uncovered at once, all reach Kafka and the read model',
  async (t) => {
    const platform = await projectorForTest({ kafka: true, logger });
    t.teardown(() => platform.close());
    const { app } = platform.commands;
    const writer = await testUser(app);
    // A transaction holding an id holds every reader of the log back: the relay then finds all
    // 300 entries (one user, one partition, several MiB) committed at once, as after an outage.
    const holdBack = new pg.Client({ connectionString: platform.commands.url });
    await holdBack.connect();
    t.teardown(() => holdBack.end());
    await holdBack.query('begin');
    await holdBack.query('select pg_current_xact_id()');

    const content = 'lorem ipsum dolor sit amet '.repeat(400).slice(0, 10_000);
    const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const entries = 300;
    for (let start = 0; start < entries; start += 10) {
      const replies = await Promise.all(
        Array.from({ length: Math.min(10, entries - start) }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/v1/entries',
            headers: { authorization: `Bearer ${writer.token}` },
            payload: { date: day(start + i), title: `Day ${start + i}`, content, mood: 'neutral' },
          }),
        ),
      );
      for (const reply of replies) if (reply.statusCode !== 201) t.fail(`create: ${reply.statusCode} ${reply.body}`);
    }
    await holdBack.query('commit');

    const onTopic = async () => {
      const admin = platform.bus?.kafka.admin();
      if (admin === undefined) throw new Error('no Kafka');
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(platform.bus?.topic ?? '');
        return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
      } finally {
        await admin.disconnect();
      }
    };
    const projected = async () =>
      Number(
        (
          await platform.read.db
            .selectFrom('journal_view')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('user_id', '=', writer.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    await waitFor(
      async () => ((await projected()) >= entries ? true : undefined),
      120_000,
      'every entry in the read model',
    );
    t.equal(await projected(), entries, 'every entry, once');
    t.ok((await onTopic()) >= entries, 'every entry on the topic');
  },
);

t.test(
  'an event larger than the topic accepts is counted, published by reference, and does not block the log',
  async (t) => {
    const fixture = await kafkaFixture(t, logger, {
      partitions: 2,
      configEntries: [{ name: 'max.message.bytes', value: '16384' }],
    });
    const { store } = fixture;
    t.equal(fixture.topic.maxMessageBytes, 16_384, 'the limit is read from the topic');
    const userId = randomUUID();
    const stream = `entry-${randomUUID()}`;
    const ids: string[] = [];
    for (const [version, size] of [100, 40_000, 100, 9_000, 9_000, 100].entries()) {
      ids.push(await appendDeleted(store.db, userId, { id: stream, version }, size));
    }
    const registry = new Registry();
    const relay = await startRelay({
      db: store.db,
      url: store.url,
      kafka: fixture.kafka,
      notifications: fixture.notifications,
      logger,
      topic: fixture.topic,
      pollMs: 200,
      registry,
    });
    t.teardown(() => relay.stop());
    const consumer = await fixture.subscribe();
    await waitFor(async () => (consumer.applied.length >= ids.length ? true : undefined), 60_000, 'every event');
    t.same(
      consumer.applied.map((event) => event.eventId),
      ids,
      'every event, once, in order',
    );
    t.equal(
      String(consumer.applied[1]?.data.padding).length,
      40_000,
      'the large event arrives whole (read from the store)',
    );
    // The subscriber may have had them from the event store (followed until its consumer joins
    // its group): the relay's count is waited for, not assumed.
    const counted = 'mindflow_relay_oversized_events_total 1\n';
    await waitFor(
      async () => ((await registry.metrics()).includes(counted) ? true : undefined),
      30_000,
      'the count',
    ).catch(() => undefined);
    t.ok((await registry.metrics()).includes(counted), 'the oversized event is counted');
  },
);

t.test('two relays on one database: one publishes; when its lock connection dies the other takes over', async (t) => {
  const fixture = await kafkaFixture(t, logger);
  const { store } = fixture;
  const batchSize = 10;
  const relays = await Promise.all(
    [0, 1].map(() =>
      startRelay({
        db: store.db,
        url: store.url,
        kafka: fixture.kafka,
        notifications: fixture.notifications,
        logger,
        topic: fixture.topic,
        batchSize,
        pollMs: 100,
        leaderRetryMs: 100,
      }),
    ),
  );
  t.teardown(() => Promise.all(relays.map((relay) => relay.stop())));

  const ids: string[] = [];
  const users = Array.from({ length: 6 }, () => randomUUID());
  const append = async (count: number) => {
    for (let i = 0; i < count; i++) ids.push(await appendDeleted(store.db, users[i % users.length] ?? ''));
  };
  const published = () => relays.map((relay) => relay.published());
  await append(60);
  await waitFor(async () => (published().reduce((a, b) => a + b) >= 60 ? true : undefined), 30_000, 'the first events');
  const leader = relays.findIndex((relay) => relay.leading());
  t.not(leader, -1, 'one relay leads');
  t.equal(relays.filter((relay) => relay.leading()).length, 1, 'only one');
  t.equal(relays[1 - leader]?.published(), 0, 'the other has published nothing');

  // Kill the leader's lock connection while events keep coming: leadership passes on (to
  // either relay: the deposed one competes again), at most one batch published twice.
  let writing = append(100);
  await waitFor(async () => ((published()[leader] ?? 0) > 60 ? true : undefined), 30_000, 'the leader publishing more');
  const pid = relays[leader]?.lockPid();
  await sql`select pg_terminate_backend(${pid ?? 0})`.execute(store.db);
  const next = await waitFor(
    async () => relays.find((relay) => relay.leading() && relay.lockPid() !== pid),
    30_000,
    'a new leader',
  );
  await writing;
  // Stop the leader: the other, waiting, takes over.
  writing = append(50);
  await next.stop();
  const last = relays.find((relay) => relay !== next);
  await waitFor(async () => (last?.leading() === true ? true : undefined), 30_000, 'the other relay leading');
  await writing;
  await waitFor(
    async () => (published().reduce((a, b) => a + b) >= ids.length ? true : undefined),
    30_000,
    'everything published',
  );

  const consumer = await fixture.subscribe();
  await waitFor(async () => (consumer.applied.length >= ids.length ? true : undefined), 60_000, 'every event');
  t.same(new Set(consumer.applied.map((event) => event.eventId)), new Set(ids), 'every event reached the subscriber');
  t.equal(consumer.applied.length, ids.length, 'none applied twice');
  for (const user of users) {
    const positions = consumer.applied.filter((event) => event.userId === user).map((event) => event.globalPosition);
    t.same(
      positions,
      [...positions].sort((a, b) => a - b),
      'each user in order',
    );
  }
  const onTopic = await fixture.messages();
  t.ok(onTopic >= ids.length, 'every event is on the topic');
  t.ok(
    onTopic - ids.length <= batchSize,
    `duplicates at the hand-over are at most one batch (${onTopic - ids.length})`,
  );
});
