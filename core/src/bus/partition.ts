import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { RecordedEvent } from '../eventstore/index.js';

/** The Kafka message key of an event: its user (one user's events keep their order), else its stream. */
export function eventKey(event: Pick<RecordedEvent, 'userId' | 'streamId'>): string {
  return event.userId ?? event.streamId;
}

const byKey = Partitioners.DefaultPartitioner();

/**
 * The partition of a key on a topic of `partitions` partitions: murmur2 of the key, as the
 * Java client and kafkajs's default partitioner. The relay publishes to it, and a subscriber
 * catching up from the event store files each event under it, so both agree on where an
 * event stands.
 */
export function partitionOf(key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return byKey({ topic: '', partitionMetadata, message: { key, value: null } });
}
