import type { Admin } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { readAll, startOfLog, type Checkpoint, type EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { checkpointOf, logOffset } from './embedded-bus.js';
import { eventKey, partitionOf } from './partition.js';
import type { Subscriber } from './types.js';

export interface CatchUpOptions<DB extends EventStoreTables> {
  readonly db: Kysely<DB>;
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  readonly subscriber: Subscriber;
  readonly batchSize: number;
  readonly logger: Logger;
  readonly stopped: () => boolean;
}

/**
 * Brings a subscriber up to date from the event store, then points its consumer group at the
 * end of the topic as it was before the catch-up began.
 *
 * The hand-over skips nothing: every message below those end offsets was published by the
 * relay, which reads with readAll, so it was readable before the catch-up began, and the
 * catch-up reads until readAll has nothing more. Nothing is applied twice: each event is
 * delivered under the partition the relay publishes it to and its commit-order key, the same
 * as from Kafka, so whatever the topic then redelivers is at or before the stored offsets.
 *
 * Catch-ups of one group take turns (a session advisory lock on the event store), so that two
 * processes of the group starting together do not apply the same events side by side; the
 * second finds the group's offsets committed and goes straight to the topic.
 */
export async function catchUpFromStore<DB extends EventStoreTables>(options: CatchUpOptions<DB>): Promise<void> {
  const { admin, groupId, topic, subscriber, logger } = options;
  const lockKey = `mindflow.catch-up:${groupId}:${topic}`;
  await options.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtextextended(${lockKey}, 0))`.execute(connection);
    try {
      // Another process of the group may have caught up while this one waited.
      if (!(await needsCatchUp(admin, groupId, topic))) return;
      const ends = await admin.fetchTopicOffsets(topic);
      const partitions = ends.length;
      const stored = await subscriber.offsets();
      const storedOffsets = ends.map((end) => stored.get(String(end.partition)));
      let checkpoint: Checkpoint = storedOffsets.every((offset) => offset !== undefined)
        ? checkpointOf(storedOffsets.sort().at(0))
        : startOfLog;
      logger.info(
        { subscriber: subscriber.name, groupId, from: logOffset(checkpoint) },
        'kafka bus: catching up from the event store',
      );
      let delivered = 0;
      for (let failures = 0; !options.stopped();) {
        const events = await readAll(options.db, checkpoint, options.batchSize);
        const last = events.at(-1);
        if (last === undefined) break;
        try {
          await subscriber.handle(
            events.map((event) => {
              const key = { transactionId: event.transactionId, position: event.globalPosition };
              return { event, partition: String(partitionOf(eventKey(event), partitions)), offset: logOffset(key) };
            }),
          );
        } catch (error) {
          failures += 1;
          const backoffMs = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
          logger.error(
            { err: error, subscriber: subscriber.name, backoffMs },
            'kafka bus: catch-up batch failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
          continue;
        }
        failures = 0;
        delivered += events.length;
        checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
      }
      if (options.stopped()) return;
      await admin
        .setOffsets({ groupId, topic, partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })) })
        .catch((error: unknown) =>
          // A member of the group is already consuming (and committing): the consumer then starts at
          // the group's offsets, or at the oldest message, and the stored offsets skip what is applied.
          logger.info({ err: error, groupId }, 'kafka bus: the group is active; its offsets stay as they are'),
        );
      logger.info({ subscriber: subscriber.name, groupId, delivered }, 'kafka bus: caught up; reading the topic');
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${lockKey}, 0))`.execute(connection);
    }
  });
}

/**
 * Whether the group must catch up from the event store before it reads the topic: it has
 * never committed an offset (a first start: the topic may not hold the whole history), or an
 * offset it would start at is no longer on the topic (deleted by retention or by hand).
 */
export async function needsCatchUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const offsets = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  if ([...offsets.values()].every((offset) => offset < 0n)) return true;
  const bounds = await admin.fetchTopicOffsets(topic);
  return bounds.some((bound) => {
    const next = offsets.get(bound.partition) ?? -1n;
    // No offset: the consumer starts at the oldest message, which must then be the first ever.
    return next < 0n ? BigInt(bound.low) > 0n : next < BigInt(bound.low);
  });
}
