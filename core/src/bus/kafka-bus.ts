import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Kysely } from 'kysely';
import { readAll, type EventStoreTables, type RecordedEvent } from '../eventstore/index.js';
import type { ConsumerTimeouts } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { Counter, type Registry } from 'prom-client';
import { createConsumerHealth, type ConsumerHealth } from './consumer-health.js';
import { catchUpFromStore, needsCatchUp } from './catch-up.js';
import { followStore, type StoreFollower } from './store-follower.js';
import { logOffset } from './embedded-bus.js';
import { eventsTopic } from './topic.js';
import type { Delivery, EventBus, SubscribeOptions, Subscriber, Subscription } from './types.js';
import { readWire } from './wire.js';

export interface KafkaBusOptions<DB extends EventStoreTables = EventStoreTables> {
  readonly kafka: Kafka;
  /** The event store: where a subscriber catches up from, and where oversized events are read. */
  readonly db: Kysely<DB>;
  /**
   * The event store's URL: catch-ups hold their turn-taking lock on a connection of their own
   * (without it, on one of `db`'s pool, which several catch-ups at once can run dry).
   */
  readonly url?: string;
  readonly logger: Logger;
  readonly topic?: string;
  /** Consumer groups are named `${groupPrefix}${subscriber.name}`. */
  readonly groupPrefix?: string;
  /**
   * Awaited before each consumer (re)starts, retried with it: the events topic created with its
   * settings (a consumer subscribing first would let the broker create it with its defaults).
   */
  readonly ensureTopic?: () => Promise<unknown>;
  /** Group membership timings (default: 10 s session, 3 s heartbeat, 30 s rebalance). */
  readonly timeouts?: ConsumerTimeouts;
  /** Where mindflow_bus_consumer_restarts_total is registered. */
  readonly registry?: Registry;
  /** How long a consumer may fail to run, Kafka answering, before liveness reports it (60 s). */
  readonly livenessGraceMs?: number;
}

/** The timings a consumer group member runs with when none are configured. */
export const defaultConsumerTimeouts: ConsumerTimeouts = Object.freeze({
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 30_000,
});

/**
 * The bus of the full stack: one consumer group per subscriber on the events topic. Kafka
 * offsets are committed after the subscriber has handled a batch (at least once); the
 * subscriber's stored offsets (commit-order keys per partition) absorb redeliveries.
 *
 * A group that has never committed, or whose committed offsets are no longer on the topic,
 * first catches up from the event store (see catchUpFromStore): it never starts at whatever
 * the topic still holds. Subscribing returns at once; the catch-up and the consumer run in
 * the background under a supervisor.
 *
 * Supervision: kafkajs never restarts a consumer itself (`restartOnFailure` answers false);
 * whatever stops one (a crash, kafkajs giving up after its retries, a failed join or commit the
 * runner does not recover from, a start that fails) disconnects it, and a new member is started
 * after a back-off (0.5 s doubling to 2 s, so that a consumer comes back within seconds of
 * Kafka's return). Each restart is logged (`subscriber`, `restart`, `backoffMs`, `err`) and counted in mindflow_bus_consumer_restarts_total{subscriber}. The
 * bus's `liveness` check names a consumer that cannot run (see createConsumerHealth).
 *
 * While a subscriber's consumer is not in its group (from its start or its first failure until
 * a member joins), the subscriber follows the event store instead (see followStore): with
 * Kafka away, or a killed member holding the partitions for a session time-out, projections
 * stay current, and have nothing to catch up when the consumer reads again. (A process
 * that has never reached Kafka does not know the topic's partitions, and waits for it.)
 *
 * Heartbeats while a batch is handled: kafkajs heartbeats only between batches and when the
 * handler calls `heartbeat()`, and a projection host may wait out an engine outage inside
 * `handle` for far longer than the session time-out. A timer therefore calls the batch's
 * `heartbeat()` every heartbeat interval while `handle` runs, so the member stays in its group
 * however long the handler retries. (Pausing the partition and returning instead would need
 * the retry loop outside `handle`, and a paused member that returns still holds its partitions;
 * the heartbeat keeps one path for every host.) If a rebalance starts meanwhile, the heartbeat
 * learns of it and the member rejoins once the batch is done (its commit is refused and the
 * batch redelivered, absorbed by the stored offsets); if it takes longer than the rebalance
 * time-out, Kafka drops it and the supervisor starts a new member.
 */
export function createKafkaBus<DB extends EventStoreTables>(options: KafkaBusOptions<DB>): EventBus {
  const topic = options.topic ?? eventsTopic;
  const timeouts = options.timeouts ?? defaultConsumerTimeouts;
  const restarts = options.registry === undefined ? undefined : restartCounter(options.registry);
  const subscriptions = new Set<Subscription>();
  const consumers = new Set<ConsumerHealth>();
  return {
    async subscribe(subscriber: Subscriber, subscribeOptions: SubscribeOptions = {}): Promise<Subscription> {
      const batchSize = subscribeOptions.batchSize ?? 500;
      const groupId = `${options.groupPrefix ?? 'mindflow.'}${subscriber.name}`;
      const health = createConsumerHealth(
        subscriber.name,
        options.livenessGraceMs ?? 60_000,
        timeouts.sessionTimeoutMs,
      );
      consumers.add(health);
      const state: {
        stopped: boolean;
        consumer: Consumer | undefined;
        wake: () => void;
        release: () => void;
      } = {
        stopped: false,
        consumer: undefined,
        wake: () => undefined,
        release: () => undefined,
      };
      const isStopped = () => state.stopped;
      /** The topic's partition count, once seen: what following the event store needs. */
      let partitions: number | undefined;
      let follower: StoreFollower | undefined;
      /** Follows the event store until a member joins the group (once the partitions are known). */
      const startFollowing = () => {
        if (follower !== undefined || partitions === undefined || state.stopped) return;
        follower = followStore({
          db: options.db,
          ...(options.url === undefined ? {} : { url: options.url }),
          subscriber,
          groupId,
          topic,
          partitions,
          batchSize,
          logger: options.logger,
        });
      };
      const stopFollowing = async () => {
        const stopping = follower;
        follower = undefined;
        await stopping?.stop();
      };
      const catchUp = async () => {
        const admin = options.kafka.admin();
        await admin.connect();
        try {
          partitions = (await admin.fetchTopicOffsets(topic)).length;
          if (await needsCatchUp(admin, groupId, topic)) {
            await catchUpFromStore({
              db: options.db,
              admin,
              groupId,
              topic,
              subscriber,
              batchSize,
              logger: options.logger,
              stopped: () => state.stopped,
              progressed: () => health.progressed(),
              ...(options.url === undefined ? {} : { url: options.url }),
            });
          }
        } finally {
          await admin.disconnect();
        }
      };
      /** Starts one member of the group; settles when it stops (rejects with what crashed it). */
      const start = async (): Promise<void> => {
        await options.ensureTopic?.();
        await catchUp();
        if (state.stopped) return;
        // A join can wait a whole session time-out (a killed member of the group holds its
        // partitions until then): the store is followed meanwhile.
        startFollowing();
        const consumer = options.kafka.consumer({
          groupId,
          maxBytesPerPartition: 4 * 1024 * 1024,
          sessionTimeout: timeouts.sessionTimeoutMs,
          rebalanceTimeout: timeouts.rebalanceTimeoutMs,
          heartbeatInterval: timeouts.heartbeatIntervalMs,
          retry: { restartOnFailure: async () => false },
        });
        state.consumer = consumer;
        const stopped = new Promise<void>((resolve, reject) => {
          state.release = resolve;
          consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        });
        stopped.catch(() => undefined); // awaited below; a crash during the start rejects it early
        consumer.on(consumer.events.GROUP_JOIN, () => {
          health.joined();
          void stopFollowing();
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const partition = String(batch.partition);
            for (let start = 0; start < batch.messages.length; start += batchSize) {
              if (!payload.isRunning() || payload.isStale()) return;
              const messages = batch.messages.slice(start, start + batchSize);
              await whileBeating(
                () => payload.heartbeat(),
                timeouts.heartbeatIntervalMs,
                async () => {
                  const deliveries: Delivery[] = [];
                  for (const message of messages) {
                    const event = await eventOf(options.db, message);
                    // The event's commit-order key, not the Kafka offset: the relay publishes in
                    // commit order, so it grows within a partition, and it is the same for a
                    // republished duplicate, after a catch-up from the event store and after a rebuild.
                    deliveries.push({
                      event,
                      partition,
                      offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
                    });
                  }
                  await subscriber.handle(deliveries);
                },
              );
              const last = messages.at(-1);
              if (last === undefined) continue;
              payload.resolveOffset(last.offset);
              await consumer.commitOffsets([
                { topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
              ]);
              health.progressed();
              await payload.heartbeat();
            }
          },
        });
        await stopped;
      };
      const running = (async () => {
        let failures = 0;
        while (!state.stopped) {
          const startedAt = Date.now();
          try {
            await start();
            return;
          } catch (error) {
            await state.consumer?.disconnect().catch(() => undefined);
            state.consumer = undefined;
            // stop() may have come while the consumer was starting or running.
            if (isStopped()) return;
            // A member that ran a while before it failed starts over from the shortest back-off.
            failures = Date.now() - startedAt > 60_000 ? 0 : failures + 1;
            const backoffMs = Math.min(2_000, 500 * 2 ** Math.min(failures - 1, 6));
            health.failed(error);
            restarts?.inc({ subscriber: subscriber.name });
            startFollowing();
            options.logger.error(
              { err: error, subscriber: subscriber.name, groupId, restart: health.restarts(), backoffMs },
              'kafka bus: consumer stopped; restarting it',
            );
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, backoffMs);
              state.wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
        }
      })().catch((error: unknown) => {
        health.ended(error);
        options.logger.fatal({ err: error, subscriber: subscriber.name }, 'kafka bus: consumer supervisor failed');
      });
      const subscription: Subscription = {
        stop: async () => {
          state.stopped = true;
          state.wake();
          state.release();
          await running;
          await stopFollowing();
          await state.consumer?.disconnect();
          health.close();
          consumers.delete(health);
          subscriptions.delete(subscription);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    liveness: {
      name: 'event bus consumers',
      check: async () => {
        const problems = [...consumers].flatMap((consumer) => consumer.problem() ?? []);
        if (problems.length > 0) throw new Error(problems.join('; '));
      },
    },
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
    },
  };
}

/**
 * Runs `work`, calling `heartbeat` every `intervalMs` until it settles (a failed heartbeat is
 * left to the next one, or to the commit after `work`, to report).
 */
async function whileBeating<T>(heartbeat: () => Promise<void>, intervalMs: number, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

const restartCounters = new WeakMap<Registry, Counter<'subscriber'>>();

/** mindflow_bus_consumer_restarts_total on `registry`, created once (every bus of a process shares it). */
function restartCounter(registry: Registry): Counter<'subscriber'> {
  const existing = restartCounters.get(registry);
  if (existing !== undefined) return existing;
  const counter = new Counter({
    name: 'mindflow_bus_consumer_restarts_total',
    help: 'Kafka consumers restarted by their supervisor (after a crash, a failed start, join or commit)',
    labelNames: ['subscriber'] as const,
    registers: [registry],
  });
  restartCounters.set(registry, counter);
  return counter;
}

/** The event a message carries, or, for a reference to an event too large for the topic, the event read from the store. */
async function eventOf<DB extends EventStoreTables>(db: Kysely<DB>, message: KafkaMessage): Promise<RecordedEvent> {
  const value = readWire(message.value?.toString() ?? 'null');
  if (!('reference' in value)) return value;
  // Nothing sorts between (t, p - 1) and (t, p): the first event after it is the one referred to.
  const [event] = await readAll(db, { transactionId: value.transactionId, position: value.globalPosition - 1 }, 1);
  if (event?.eventId !== value.eventId) {
    throw new Error(`event ${value.eventId} (position ${value.globalPosition}) is not in the event store`);
  }
  return event;
}
