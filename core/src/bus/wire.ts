import type { RecordedEvent } from '../eventstore/index.js';

/** An event as JSON on the wire (Kafka message values): dates as ISO strings. */
export function toWire(event: RecordedEvent): string {
  return JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() });
}

export function fromWire(json: string): RecordedEvent {
  const parsed = JSON.parse(json) as Omit<RecordedEvent, 'occurredAt'> & { occurredAt: string };
  return { ...parsed, occurredAt: new Date(parsed.occurredAt) };
}

/**
 * Where an event too large for the topic stands in the event store. The relay publishes this
 * in its place (a claim check), and the bus reads the event itself from the store.
 */
export interface EventReference {
  readonly reference: true;
  readonly eventId: string;
  readonly transactionId: string;
  readonly globalPosition: number;
}

/** The message value standing in for an event too large for the topic. */
export function toWireReference(event: RecordedEvent): string {
  const reference: EventReference = {
    reference: true,
    eventId: event.eventId,
    transactionId: event.transactionId,
    globalPosition: event.globalPosition,
  };
  return JSON.stringify(reference);
}

/** A message value: an event, or a reference to one in the event store. */
export function readWire(json: string): RecordedEvent | EventReference {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed === 'object' && parsed !== null && 'reference' in parsed && parsed.reference === true) {
    const { eventId, transactionId, globalPosition } = parsed as Record<string, unknown>;
    if (typeof eventId !== 'string' || typeof transactionId !== 'string' || typeof globalPosition !== 'number') {
      throw new TypeError(`malformed event reference: ${json.slice(0, 200)}`);
    }
    return { reference: true, eventId, transactionId, globalPosition };
  }
  return fromWire(json);
}
