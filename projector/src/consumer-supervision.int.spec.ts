import { randomUUID } from 'node:crypto';
import { createKafkaBus, type Delivery, type Subscriber } from '@mindflow/core/bus';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { appendDeleted, kafkaFixture, relayOn, type KafkaFixture } from './kafka-fixture.js';

// Consumers under supervision, against the real broker, with the smallest session time-out it
// accepts (group.min.session.timeout.ms, 6 s by default) so that a handler can outlast it.
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const timeouts = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 6_000 };

async function setUp(t: Test, livenessGraceMs = 60_000) {
  const fixture = await kafkaFixture(t, logger);
  await relayOn(t, fixture, logger);
  const registry = new Registry();
  const groupPrefix = `test.${randomUUID()}.`;
  const bus = createKafkaBus({
    kafka: fixture.kafka,
    db: fixture.store.db,
    logger,
    topic: fixture.topic.name,
    groupPrefix,
    timeouts,
    registry,
    livenessGraceMs,
  });
  t.teardown(() => bus.close());
  return { fixture, bus, registry, groupPrefix };
}

/** Waits until the group has a member with partitions: the consumer reads the topic (no catch-up). */
async function joined(fixture: KafkaFixture, groupId: string): Promise<void> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Stable' && groups[0].members.length > 0 ? true : undefined;
      },
      30_000,
      `${groupId} to be stable`,
    );
  } finally {
    await admin.disconnect();
  }
}

async function restarts(registry: Registry, subscriber: string): Promise<number> {
  const metric = await registry.getSingleMetric('mindflow_bus_consumer_restarts_total')?.get();
  return metric?.values.find((value) => value.labels.subscriber === subscriber)?.value ?? 0;
}

t.test(
  'a handler that outlasts the session time-out keeps its member in the group: later events still arrive',
  async (t) => {
    const { fixture, bus, groupPrefix } = await setUp(t);
    const applied: RecordedEvent[] = [];
    let blocked = false;
    const name = `slow-${randomUUID()}`;
    const subscriber: Subscriber = {
      name,
      offsets: async () => new Map(),
      handle: async (batch: readonly Delivery[]) => {
        if (!blocked) {
          // As a projection host waiting out an engine outage inside handle: 2.5 session time-outs.
          blocked = true;
          await new Promise((resolve) => setTimeout(resolve, timeouts.sessionTimeoutMs * 2.5));
        }
        applied.push(...batch.map((delivery) => delivery.event));
      },
    };
    await bus.subscribe(subscriber);
    await joined(fixture, `${groupPrefix}${name}`);
    const user = randomUUID();
    const first = await appendDeleted(fixture.store.db, user);
    await waitFor(async () => (blocked ? true : undefined), 30_000, 'the first batch to block');
    await waitFor(
      async () => (applied.some((event) => event.eventId === first) ? true : undefined),
      60_000,
      'the blocked batch to finish',
    );
    const later = [await appendDeleted(fixture.store.db, user), await appendDeleted(fixture.store.db, user)];
    await waitFor(
      async () => (later.every((id) => applied.some((event) => event.eventId === id)) ? true : undefined),
      30_000,
      'the events appended after the long batch',
    );
    t.pass('later events arrived');
  },
);

t.test('a consumer that keeps crashing is restarted with back-off, counted, and named by liveness', async (t) => {
  const { fixture, bus, registry, groupPrefix } = await setUp(t, 2_000);
  const name = `crashing-${randomUUID()}`;
  let failing = false;
  const applied: RecordedEvent[] = [];
  const subscriber: Subscriber = {
    name,
    offsets: async () => new Map(),
    handle: async (batch: readonly Delivery[]) => {
      if (failing) throw new Error('a subscriber bug');
      applied.push(...batch.map((delivery) => delivery.event));
    },
  };
  const arrived = (ids: readonly string[]) =>
    waitFor(
      async () => (ids.every((id) => applied.some((event) => event.eventId === id)) ? true : undefined),
      90_000,
      'the events',
    );
  const liveness = () =>
    bus.liveness.check().then(
      () => 'ok',
      (error: unknown) => String(error),
    );
  await bus.subscribe(subscriber);
  await joined(fixture, `${groupPrefix}${name}`);
  // One batch read from the topic and committed: restarts then go on from the topic.
  await arrived([await appendDeleted(fixture.store.db, randomUUID())]);

  failing = true;
  const next = await appendDeleted(fixture.store.db, randomUUID());
  const problem = await waitFor(
    async () => {
      const state = await liveness();
      return state === 'ok' ? undefined : state;
    },
    90_000,
    'liveness to report the consumer',
  );
  t.match(
    problem,
    new RegExp(`${name}: its consumer has failed to run for \\d+ s \\(\\d+ restarts; last: .*a subscriber bug`),
  );
  t.ok((await restarts(registry, name)) >= 1, 'restarts counted');

  failing = false;
  await arrived([next]);
  await waitFor(async () => ((await liveness()) === 'ok' ? true : undefined), 30_000, 'liveness to pass again');
});
