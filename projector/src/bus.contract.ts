import { randomUUID } from 'node:crypto';
import type { Delivery, EventBus, Subscriber } from '@mindflow/core/bus';
import { appendToStream, newEventId, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import { waitFor } from '@mindflow/core/testing';
import type { Kysely } from 'kysely';
import type { Test } from 'tap';

/** A subscriber that keeps its offsets and effects in memory, skipping what it has applied. */
export function recordingSubscriber(name: string, options: { failFirst?: number } = {}) {
  const offsets = new Map<string, string>();
  const applied: RecordedEvent[] = [];
  let deliveries = 0;
  let failuresLeft = options.failFirst ?? 0;
  const subscriber: Subscriber = {
    name,
    offsets: async () => new Map(offsets),
    handle: async (batch: readonly Delivery[]) => {
      deliveries += batch.length;
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('a transient failure');
      }
      for (const delivery of batch) {
        const stored = offsets.get(delivery.partition);
        if (stored !== undefined && delivery.offset <= stored) continue;
        applied.push(delivery.event);
        offsets.set(delivery.partition, delivery.offset);
      }
    },
  };
  return { subscriber, applied, deliveries: () => deliveries };
}

export interface BusUnderTest<DB extends EventStoreTables = EventStoreTables> {
  readonly bus: EventBus;
  readonly db: Kysely<DB>;
  close(): Promise<void>;
}

async function appendMany<DB extends EventStoreTables>(
  db: Kysely<DB>,
  users: readonly string[],
  perUser: number,
): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    users.map(async (userId) => {
      const stream = `entry-${randomUUID()}`;
      for (let version = 0; version < perUser; version++) {
        const eventId = newEventId();
        ids.push(eventId);
        await appendToStream(db, stream, version, [
          {
            eventId,
            type: 'EntryDeleted',
            schemaVersion: 1,
            occurredAt: new Date(),
            userId,
            data: { entryId: randomUUID() },
            metadata: {},
          },
        ]);
      }
    }),
  );
  return ids;
}

/** What every EventBus must do, whatever carries the events. */
export function busContract<DB extends EventStoreTables>(t: Test, make: () => Promise<BusUnderTest<DB>>): void {
  t.test('delivers every committed event once in effect, in order per stream and per user', async (t) => {
    const { bus, db, close } = await make();
    t.teardown(close);
    const users = Array.from({ length: 8 }, () => randomUUID());
    const consumer = recordingSubscriber(`contract-${randomUUID()}`);
    const subscription = await bus.subscribe(consumer.subscriber, { batchSize: 7 });
    const ids = await appendMany(db, users, 10);
    await waitFor(async () => (consumer.applied.length >= ids.length ? true : undefined), 60_000, 'every event');
    await subscription.stop();
    t.same(new Set(consumer.applied.map((e) => e.eventId)), new Set(ids));
    t.equal(consumer.applied.length, ids.length, 'none twice');
    for (const user of users) {
      const versions = consumer.applied.filter((e) => e.userId === user).map((e) => e.streamVersion);
      t.same(
        versions,
        Array.from({ length: 10 }, (_, i) => i + 1),
        `user ${user.slice(0, 8)} in order`,
      );
    }
  });

  t.test('a subscriber resumes where it stood; another subscriber sees everything from the start', async (t) => {
    const { bus, db, close } = await make();
    t.teardown(close);
    const users = [randomUUID(), randomUUID()];
    const first = await appendMany(db, users, 5);
    const consumer = recordingSubscriber(`contract-${randomUUID()}`);
    let subscription = await bus.subscribe(consumer.subscriber);
    await waitFor(async () => (consumer.applied.length >= first.length ? true : undefined), 60_000, 'the first events');
    await subscription.stop();
    const second = await appendMany(db, users, 5);
    subscription = await bus.subscribe(consumer.subscriber);
    await waitFor(
      async () => (consumer.applied.length >= first.length + second.length ? true : undefined),
      60_000,
      'the rest',
    );
    await subscription.stop();
    t.equal(consumer.applied.length, first.length + second.length, 'nothing applied twice after the restart');

    const other = recordingSubscriber(`contract-${randomUUID()}`);
    const otherSubscription = await bus.subscribe(other.subscriber);
    await waitFor(
      async () => (other.applied.length >= first.length + second.length ? true : undefined),
      60_000,
      'all, again',
    );
    await otherSubscription.stop();
    t.same(new Set(other.applied.map((e) => e.eventId)), new Set([...first, ...second]));
  });

  t.test('a batch that fails is delivered again, and applied once', async (t) => {
    const { bus, db, close } = await make();
    t.teardown(close);
    const ids = await appendMany(db, [randomUUID()], 6);
    const consumer = recordingSubscriber(`contract-${randomUUID()}`, { failFirst: 2 });
    const subscription = await bus.subscribe(consumer.subscriber);
    await waitFor(
      async () => (consumer.applied.length >= ids.length ? true : undefined),
      60_000,
      'delivery after failures',
    );
    await subscription.stop();
    t.same(
      consumer.applied.map((e) => e.eventId),
      ids,
    );
    t.ok(consumer.deliveries() > ids.length, 'the failed batches came again');
  });
}
