import type { Admin } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { readAll, startOfLog, type Checkpoint, type EventStoreTables } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';
import { checkpointOf, logOffset } from './embedded-bus.js';
import { eventKey, partitionOf } from './partition.js';
import type { Subscriber } from './types.js';

export interface CatchUpOptions<DB extends EventStoreTables> {
  readonly db: Kysely<DB>;
  /** Where to open the connection that holds the turn-taking lock (default: one of db's pool). */
  readonly url?: string;
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  readonly subscriber: Subscriber;
  readonly batchSize: number;
  readonly logger: Logger;
  readonly stopped: () => boolean;
  /** Called after each batch applied (a catch-up that progresses is a consumer that runs). */
  readonly progressed?: () => void;
}

/**
 * Brings a subscriber up to date from the event store; its consumer then reads the topic from
 * the oldest message it still holds.
 *
 * The hand-over skips nothing: whatever the topic lost was readable in the event store, and the
 * catch-up reads until readAll has nothing more; whatever was published since is on the topic.
 * Nothing is applied twice: each event is delivered under the partition the relay publishes it
 * to and its commit-order key, the same as from Kafka, so every message the topic then
 * delivers that the catch-up already applied is at or before the stored offsets and skipped.
 * (Pointing the group at the topic's end with the admin client instead cost every new group
 * a 5 s fetch wait and a rebalance that held its first consumer back far longer.)
 *
 * Catch-ups of one group take turns (a session advisory lock on the event store), so that two
 * processes of the group starting together do not apply the same events side by side; the
 * second starts from the first one's stored offsets.
 */
export async function catchUpFromStore<DB extends EventStoreTables>(options: CatchUpOptions<DB>): Promise<void> {
  const { admin, groupId, topic, subscriber, logger } = options;
  await withSessionLock(options, catchUpLockKey(groupId, topic), async () => {
    {
      // Another process of the group may have caught up while this one waited.
      if (!(await needsCatchUp(admin, groupId, topic))) return;
      const partitions = (await admin.fetchTopicOffsets(topic)).length;
      let checkpoint = await startingPoint(subscriber, partitions);
      logger.info(
        { subscriber: subscriber.name, groupId, from: logOffset(checkpoint) },
        'kafka bus: catching up from the event store',
      );
      let delivered = 0;
      for (let failures = 0; !options.stopped();) {
        let next: Awaited<ReturnType<typeof deliverNextBatch>>;
        try {
          next = await deliverNextBatch({ ...options, partitions }, checkpoint);
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
        if (next === undefined) break;
        failures = 0;
        options.progressed?.();
        delivered += next.delivered;
        checkpoint = next.checkpoint;
      }
      if (options.stopped()) return;
      logger.info({ subscriber: subscriber.name, groupId, delivered }, 'kafka bus: caught up; reading the topic');
    }
  });
}

/**
 * Where a subscriber resumes reading the event store: its lowest stored offset when it holds
 * one for every partition of the topic, else the start of the log (a partition it never
 * applied anything of may hold events at any point of the log).
 */
export async function startingPoint(subscriber: Subscriber, partitions: number): Promise<Checkpoint> {
  const stored = await subscriber.offsets();
  const offsets = Array.from({ length: partitions }, (_, partition) => stored.get(String(partition)));
  return offsets.every((offset) => offset !== undefined) ? checkpointOf(offsets.sort().at(0)) : startOfLog;
}

/**
 * Hands `subscriber` the next batch of events after `from` that readAll returns, each under
 * the partition the relay publishes it to and its commit-order key, as the topic would deliver
 * it (so the stored offsets absorb whatever the topic delivers again). Resolves with where the
 * batch ends, or undefined when the store has nothing more; a failed batch rejects.
 */
export async function deliverNextBatch<DB extends EventStoreTables>(
  options: {
    readonly db: Kysely<DB>;
    readonly subscriber: Subscriber;
    readonly batchSize: number;
    readonly partitions: number;
  },
  from: Checkpoint,
): Promise<{ checkpoint: Checkpoint; delivered: number } | undefined> {
  const events = await readAll(options.db, from, options.batchSize);
  const last = events.at(-1);
  if (last === undefined) return undefined;
  await options.subscriber.handle(
    events.map((event) => {
      const key = { transactionId: event.transactionId, position: event.globalPosition };
      return { event, partition: String(partitionOf(eventKey(event), options.partitions)), offset: logOffset(key) };
    }),
  );
  return { checkpoint: { transactionId: last.transactionId, position: last.globalPosition }, delivered: events.length };
}

/** The session advisory lock that catch-ups (and store-following passes) of one group take turns on. */
export function catchUpLockKey(groupId: string, topic: string): string {
  return `mindflow.catch-up:${groupId}:${topic}`;
}

/**
 * Runs `work` holding the session advisory lock `key`: on a connection of its own when a URL is
 * given, so that the pool stays free for the reads `work` makes, else on one of the pool's.
 */
export async function withSessionLock<DB extends EventStoreTables>(
  options: Pick<CatchUpOptions<DB>, 'db' | 'url'>,
  key: string,
  work: () => Promise<void>,
): Promise<void> {
  if (options.url === undefined) {
    await options.db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(connection);
      try {
        await work();
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection);
      }
    });
    return;
  }
  const client = new pg.Client({ connectionString: options.url, application_name: 'mindflow catch-up lock' });
  client.on('error', () => undefined); // a lost connection releases the lock; the work goes on
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [key]);
    await work();
  } finally {
    await client.end().catch(() => undefined);
  }
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
