import { eventsTopic, toWire } from '@mindflow/core/bus';
import {
  readAll,
  startOfLog,
  type Checkpoint,
  type EventNotifications,
  type EventStoreTables,
  type RecordedEvent,
} from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { Partitioners, type Kafka } from 'kafkajs';
import { sql, type Kysely } from 'kysely';

export interface RelayTables {
  relay_checkpoints: { name: string; transaction_id: string; position: string };
}

export interface RelayOptions<DB extends EventStoreTables & RelayTables> {
  readonly db: Kysely<DB>;
  readonly kafka: Kafka;
  readonly notifications: EventNotifications;
  readonly logger: Logger;
  readonly topic?: string;
  readonly batchSize?: number;
  /** Its checkpoint's name in relay_checkpoints. */
  readonly name?: string;
  readonly pollMs?: number;
}

export interface Relay {
  /** Events published since start. */
  published(): number;
  /** Finishes the batch in hand (publish and checkpoint), then stops. */
  stop(): Promise<void>;
}

/**
 * Publishes committed events to Kafka in commit order, without gaps (readAll), keyed by user
 * id, with an idempotent producer waiting for all in-sync replicas. The checkpoint is saved
 * after Kafka acknowledged the batch: a crash in between publishes that batch again (at least
 * once), and subscribers skip what they have applied.
 */
export async function startRelay<DB extends EventStoreTables & RelayTables>(options: RelayOptions<DB>): Promise<Relay> {
  // Kysely is invariant in its tables: the relay touches only events and relay_checkpoints.
  const db = options.db as unknown as Kysely<EventStoreTables & RelayTables>;
  const topic = options.topic ?? eventsTopic;
  const name = options.name ?? 'kafka';
  const batchSize = options.batchSize ?? 500;
  // Default partitioner (murmur2 of the key, as the Java client): one user, one partition.
  const producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const state = { stopped: false };
  const stopped = () => state.stopped;
  let published = 0;
  let failures = 0;

  const load = async (): Promise<Checkpoint> => {
    const row = await db
      .selectFrom('relay_checkpoints')
      .select([sql<string>`transaction_id::text`.as('transaction_id'), 'position'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? startOfLog : { transactionId: row.transaction_id, position: Number(row.position) };
  };
  const save = async (last: RecordedEvent) => {
    await sql`
      insert into relay_checkpoints (name, transaction_id, position) values (${name}, ${last.transactionId}::xid8, ${last.globalPosition})
      on conflict (name) do update set transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()
    `.execute(db);
  };

  const loop = (async () => {
    let checkpoint = await load();
    while (!stopped()) {
      try {
        const events = await readAll(db, checkpoint, batchSize);
        const last = events.at(-1);
        if (last === undefined) {
          await options.notifications.next(options.pollMs ?? 1_000);
          continue;
        }
        await producer.send({
          topic,
          acks: -1,
          messages: events.map((event) => ({
            key: event.userId ?? event.streamId,
            value: toWire(event),
            headers: {
              type: event.type,
              'schema-version': String(event.schemaVersion),
              'event-id': event.eventId,
              ...(event.metadata.traceparent === undefined ? {} : { traceparent: event.metadata.traceparent }),
            },
          })),
        });
        await save(last);
        checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
        published += events.length;
        failures = 0;
      } catch (error) {
        failures += 1;
        const backoff = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        options.logger.error({ err: error, backoffMs: backoff }, 'relay: publishing failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, backoff));
        checkpoint = await load().catch(() => checkpoint);
      }
    }
  })();

  return {
    published: () => published,
    stop: async () => {
      state.stopped = true;
      options.notifications.wakeAll();
      await loop;
      await producer.disconnect();
    },
  };
}
