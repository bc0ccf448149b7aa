import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import type { Delivery, Subscriber } from '../bus/index.js';
import { newEventId, type RecordedEvent } from '../eventstore/index.js';
import { createLogger } from '../logging/index.js';
import { createProjectionMetrics, type RuntimeServices } from '../projections/index.js';

/** Runtime services for a test host: no logs, 3 tries before a dead letter, 1 ms waits. */
export function quickRuntimeServices(registry: Registry = new Registry()): RuntimeServices {
  return {
    metrics: createProjectionMetrics(registry),
    logger: createLogger({ level: 'silent', pretty: false }, 'test'),
    maxAttempts: 3,
    backoffMs: () => 1,
  };
}

/** Delivers the batch again until it goes through (as the bus does); the failed deliveries. */
export async function deliverUntilDone(
  subscriber: Pick<Subscriber, 'handle'>,
  batch: readonly Delivery[],
  limit = 200,
): Promise<number> {
  let failures = 0;
  for (; failures < limit; failures++) {
    try {
      await subscriber.handle(batch);
      return failures;
    } catch {
      // delivered again below
    }
  }
  return failures;
}

/**
 * A synthetic EntryDeleted of `userId` at `position`, which is also its commit-order key and its
 * offset on `partition`: deliveries for tests of the projection runtime, in the order made.
 */
export function deletionDelivery(position: number, userId: string = randomUUID(), partition = '0'): Delivery {
  const event: RecordedEvent = {
    eventId: newEventId(),
    type: 'EntryDeleted',
    schemaVersion: 1,
    occurredAt: new Date(),
    userId,
    data: { entryId: randomUUID() },
    metadata: {},
    streamId: `entry-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: position,
    transactionId: String(position),
  };
  return { event, partition, offset: String(position).padStart(20, '0') };
}
