import { eventKey, partitionOf, toWire, toWireReference, type EventsTopic } from '@mindflow/core/bus';
import {
  readAll,
  startOfLog,
  type Checkpoint,
  type EventNotifications,
  type EventStoreTables,
  type RecordedEvent,
} from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { acquireSessionLock, type SessionLock } from '@mindflow/core/postgres';
import type { Kafka, Message } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { createRelayMetrics } from './relay-metrics.js';

export interface RelayTables {
  relay_checkpoints: { name: string; transaction_id: string; position: string };
}

export interface RelayOptions<DB extends EventStoreTables & RelayTables> {
  readonly db: Kysely<DB>;
  /** The write database's URL: the leader lock is held on a connection of its own. */
  readonly url: string;
  readonly kafka: Kafka;
  readonly notifications: EventNotifications;
  readonly logger: Logger;
  /** The topic, as ensureEventsTopic found it (partitions, largest message). */
  readonly topic: EventsTopic;
  /** Most events per publish. */
  readonly batchSize?: number;
  /** Most bytes per publish (default: the topic's max.message.bytes less a margin for framing). */
  readonly maxBatchBytes?: number;
  /** Its checkpoint's name in relay_checkpoints, and its leader lock's. */
  readonly name?: string;
  readonly pollMs?: number;
  /** How often a relay that is not the leader asks for the lock. */
  readonly leaderRetryMs?: number;
  readonly registry?: Registry;
}

export interface Relay {
  /** Events published since start. */
  published(): number;
  /** Whether it holds the leader lock now. */
  leading(): boolean;
  /** The backend process id of its leader-lock connection while it leads. */
  lockPid(): number | undefined;
  /** Finishes the batch in hand (publish and checkpoint), then stops and gives up the lock. */
  stop(): Promise<void>;
}

/** Bytes the broker adds around records (batch header, per-partition framing), kept free. */
const framingMargin = 1_024;

/**
 * Publishes committed events to Kafka in commit order, without gaps (readAll), keyed by user
 * id, with an idempotent producer waiting for all in-sync replicas.
 *
 * One relay publishes at a time: the leader holds a session advisory lock on a connection of
 * its own, and the others wait for it. The checkpoint is saved on that connection after Kafka
 * acknowledged the batch, so a relay that lost the lock cannot save one; it stops publishing
 * and waits again. A crash or a lost lock between publish and checkpoint publishes that batch
 * again (at most one batch, at least once), and subscribers skip what they have applied.
 *
 * A publish holds at most `batchSize` events and `maxBatchBytes` bytes. An event larger than
 * the topic accepts on its own is published as a reference to its place in the event store
 * (the bus reads it from there), logged and counted in mindflow_relay_oversized_events_total:
 * it never blocks the log.
 */
export async function startRelay<DB extends EventStoreTables & RelayTables>(options: RelayOptions<DB>): Promise<Relay> {
  // Kysely is invariant in its tables: the relay touches only events and relay_checkpoints.
  const db = options.db as unknown as Kysely<EventStoreTables & RelayTables>;
  const { topic, logger } = options;
  const name = options.name ?? 'kafka';
  const batchSize = options.batchSize ?? 500;
  const metrics = createRelayMetrics(options.registry ?? new Registry());
  let maxBytes = options.maxBatchBytes ?? Math.max(1_024, topic.maxMessageBytes - framingMargin);
  // Events the broker refused as too large although they seemed to fit: sent as references.
  const refused = new Set<string>();
  // A publish fails within about a second while Kafka is away (a few quick tries inside the
  // client); the loop below waits and tries again, at most maxRelayBackoffMs apart, so that Kafka's
  // return is noticed within a few seconds however long it was away (relayBackoffMs).
  const producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
  });
  await producer.connect();
  const abort = new AbortController();
  const stopped = () => abort.signal.aborted;
  let published = 0;
  let lock: SessionLock | undefined;

  const load = async (): Promise<Checkpoint> => {
    const row = await db
      .selectFrom('relay_checkpoints')
      .select([sql<string>`transaction_id::text`.as('transaction_id'), 'position'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? startOfLog : { transactionId: row.transaction_id, position: Number(row.position) };
  };
  // Fenced: on the lock's connection, so only the leader can move the checkpoint.
  const save = (leader: SessionLock, last: RecordedEvent) =>
    leader.query(
      `insert into relay_checkpoints (name, transaction_id, position) values ($1, $2::xid8, $3)
       on conflict (name) do update set transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()`,
      [name, last.transactionId, last.globalPosition],
    );

  /** The longest prefix of `events` that fits one publish, as messages, and its last event. */
  const batchOf = (events: readonly RecordedEvent[]) => {
    const messages: Message[] = [];
    let bytes = 0;
    let last: RecordedEvent | undefined;
    for (const event of events) {
      let message = messageOf(event, topic.partitions, toWire(event));
      let size = messageBytes(message);
      if (size > maxBytes || refused.has(event.eventId)) {
        if (messages.length > 0) break;
        metrics.oversized.inc();
        logger.error(
          { eventId: event.eventId, type: event.type, position: event.globalPosition, bytes: size, maxBytes },
          'relay: event too large for the topic; publishing a reference to it in the event store instead',
        );
        message = messageOf(event, topic.partitions, toWireReference(event));
        size = messageBytes(message);
      } else if (bytes + size > maxBytes) {
        break;
      }
      messages.push(message);
      bytes += size;
      last = event;
    }
    return { messages, last };
  };

  const lead = async (leader: SessionLock) => {
    let checkpoint = await load();
    let failures = 0;
    while (!stopped() && leader.held()) {
      try {
        const events = await readAll(db, checkpoint, batchSize);
        if (events.length === 0) {
          await options.notifications.next(options.pollMs ?? 1_000);
          continue;
        }
        const { messages, last } = batchOf(events);
        if (last === undefined) continue;
        if (!leader.held()) return;
        try {
          await producer.send({ topic: topic.name, acks: -1, messages });
        } catch (error) {
          if (!isTooLarge(error)) throw error;
          // The estimate fell short: publish less at a time, or this one event by reference.
          if (messages.length === 1) refused.add(events[0]?.eventId ?? '');
          else maxBytes = Math.max(1_024, Math.floor(maxBytes / 2));
          throw error;
        }
        await save(leader, last);
        checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
        published += messages.length;
        metrics.published.inc(messages.length);
        failures = 0;
      } catch (error) {
        if (!leader.held()) {
          logger.warn({ err: error }, 'relay: leadership lost; no longer publishing');
          return;
        }
        failures += 1;
        metrics.failures.inc();
        const backoff = relayBackoffMs(failures);
        logger.error({ err: error, backoffMs: backoff }, 'relay: publishing failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, backoff));
        checkpoint = await load().catch(() => checkpoint);
      }
    }
  };

  const loop = (async () => {
    while (!stopped()) {
      lock = await acquireSessionLock(options.url, `mindflow.relay:${name}`, {
        retryMs: options.leaderRetryMs ?? 2_000,
        signal: abort.signal,
        logger,
      });
      if (lock === undefined) return;
      metrics.leader.set(1);
      logger.info({ name }, 'relay: leading (holds the leader lock)');
      try {
        await lead(lock);
      } finally {
        metrics.leader.set(0);
        await lock.release();
        lock = undefined;
      }
    }
  })();

  return {
    published: () => published,
    leading: () => lock?.held() ?? false,
    lockPid: () => (lock?.held() === true ? lock.pid : undefined),
    stop: async () => {
      abort.abort();
      options.notifications.wakeAll();
      await loop;
      await producer.disconnect();
    },
  };
}

/** The longest wait between two publish attempts while Kafka is away. */
export const maxRelayBackoffMs = 2_000;

/**
 * The wait after the `failures`-th failed publish in a row: 200 ms doubling, at most
 * maxRelayBackoffMs, so a relay notices Kafka's return within about two seconds.
 */
export function relayBackoffMs(failures: number): number {
  return Math.min(maxRelayBackoffMs, 100 * 2 ** Math.min(failures, 8));
}

/** A message for the event: keyed by user, on the partition of that key, with the headers consumers may route on. */
function messageOf(event: RecordedEvent, partitions: number, value: string): Message {
  const key = eventKey(event);
  return {
    key,
    value,
    partition: partitionOf(key, partitions),
    headers: {
      type: event.type,
      'schema-version': String(event.schemaVersion),
      'event-id': event.eventId,
      ...(event.metadata.traceparent === undefined ? {} : { traceparent: event.metadata.traceparent }),
    },
  };
}

/** A record's size on the wire, over-estimated: its key, value and headers plus their framing. */
function messageBytes(message: Message): number {
  let bytes = 32 + Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? ''));
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    bytes += 10 + Buffer.byteLength(key) + Buffer.byteLength(String(value ?? ''));
  }
  return bytes;
}

/** Whether Kafka refused a publish for its size (the error may be wrapped by the client's retrier). */
function isTooLarge(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const type = (current as Error & { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
    current = current.cause ?? (current as Error & { originalError?: unknown }).originalError;
  }
  return false;
}
