import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { RecordedEvent } from '../eventstore/index.js';
import { createTestDatabase, deletionDelivery } from '../testing/index.js';
import { recordSearchReadPoints, searchReadPoint } from './read-points.js';

const read = await createTestDatabase('read');
t.teardown(() => read.drop());

/** An event of `userId` with commit-order key `transactionId` and global position `position`. */
const event = (userId: string, transactionId: number, position: number): RecordedEvent => ({
  ...deletionDelivery(position, userId).event,
  transactionId: String(transactionId),
});

t.test("a user's search read point is the same however the events were cut into batches", async (t) => {
  // Positions are not commit-ordered: the second in commit order took the lower position.
  const events = (userId: string) => [event(userId, 100, 11), event(userId, 101, 10), event(userId, 102, 12)];
  const batchings: Record<string, (all: RecordedEvent[]) => RecordedEvent[][]> = {
    'one batch': (all) => [all],
    'one by one': (all) => all.map((one) => [one]),
    'first two, then the last': (all) => [all.slice(0, 2), all.slice(2)],
    'the first, then two': (all) => [all.slice(0, 1), all.slice(1)],
  };
  const points: Record<string, unknown> = {};
  for (const [name, cut] of Object.entries(batchings)) {
    const userId = randomUUID();
    for (const batch of cut(events(userId))) await recordSearchReadPoints(read.db, batch);
    points[name] = await searchReadPoint(read.db, userId);
  }
  for (const [name, point] of Object.entries(points)) t.same(point, points['one batch'], name);
  t.match(points['one batch'], { position: 12 }, 'the highest position applied');

  // The partial batchings: what a reader sees after the first two events.
  const partial: Record<string, unknown> = {};
  for (const [name, cut] of Object.entries({
    together: (all: RecordedEvent[]) => [all.slice(0, 2)],
    apart: (all: RecordedEvent[]) => [all.slice(0, 1), all.slice(1, 2)],
  })) {
    const userId = randomUUID();
    for (const batch of cut(events(userId))) await recordSearchReadPoints(read.db, batch);
    partial[name] = await searchReadPoint(read.db, userId);
  }
  t.same(partial.apart, partial.together, 'after two events: the same point, batched together or apart');
  t.match(partial.together, { position: 11 }, 'the highest position of the two');
});
