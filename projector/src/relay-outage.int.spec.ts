import { randomUUID } from 'node:crypto';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import { Registry } from 'prom-client';
import t from 'tap';
import { appendDeleted, kafkaBehindProxy, kafkaFixture } from './kafka-fixture.js';
import { startRelay } from './relay.js';

const logger = createLogger({ level: process.env.TEST_LOG === undefined ? 'silent' : 'error', pretty: false }, 'test');

/**
 * Kafka is away at least this long, and comes back right after the relay's `failuresBefore`-th
 * failed publish at the earliest (the adversarial moment: the relay has just begun to wait).
 */
const outageMs = 30_000;
const failuresBefore = 5;
/** How soon after Kafka's return the backlog must be on the topic. */
const boundMs = 3_000;

/** The relay's failed publishes so far. */
async function failures(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('mindflow_relay_failures_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

for (const fault of ['refuses connections', 'accepts and never answers'] as const) {
  t.test(
    `events committed while Kafka ${fault} for ${outageMs / 1000} s reach the topic within ${boundMs / 1000} s of its return`,
    async (t) => {
      const fixture = await kafkaFixture(t, logger);
      // The relay's client reaches every broker through the proxy (whatever address the cluster advertises).
      const { kafka, proxy } = await kafkaBehindProxy(t);
      const registry = new Registry();
      const relay = await startRelay({
        registry,
        db: fixture.store.db,
        url: fixture.store.url,
        kafka,
        notifications: fixture.notifications,
        logger,
        topic: fixture.topic,
        name: `test-${randomUUID()}`,
      });
      t.teardown(() => relay.stop());

      const user = randomUUID();
      await appendDeleted(fixture.store.db, user);
      await waitFor(async () => ((await fixture.messages()) >= 1 ? true : undefined), 20_000, 'the first event');

      if (fault === 'refuses connections') await proxy.cut();
      else proxy.silence();
      const backlog = 5;
      const before = await failures(registry);
      for (let i = 0; i < backlog; i++) await appendDeleted(fixture.store.db, user);
      // Kafka stays away for the outage (the fault itself, not an assertion), and comes back right
      // after a failed publish.
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      const seen = await failures(registry);
      // Refused, a publish fails within seconds (the client's own retries and time-outs are
      // short), so that the relay tries again, and notices Kafka's return, within seconds.
      // Silent, the publish in flight waits, and goes through when Kafka answers again.
      if (fault === 'refuses connections')
        t.ok(
          seen - before >= failuresBefore,
          `${seen - before} failed publishes in ${outageMs / 1000} s while Kafka ${fault} (at least ${failuresBefore})`,
        );
      await waitFor(
        async () => ((await failures(registry)) > Math.max(seen, failuresBefore - 1) ? true : undefined),
        180_000,
        'a failed publish',
      );
      t.equal(await fixture.messages(), 1, 'nothing published while Kafka is away');

      await proxy.restore();
      const restored = Date.now();
      const caughtUp = await waitFor(
        async () => ((await fixture.messages()) >= 1 + backlog ? Date.now() - restored : undefined),
        60_000,
        'the backlog on the topic',
      );
      t.ok(
        caughtUp <= boundMs,
        `the backlog was on the topic ${caughtUp} ms after Kafka's return (bound ${boundMs} ms)`,
      );
    },
  );
}
