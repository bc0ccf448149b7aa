import type { RecordedEvent } from '../eventstore/index.js';

/** An event as JSON on the wire (Kafka message values): dates as ISO strings. */
export function toWire(event: RecordedEvent): string {
  return JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() });
}

export function fromWire(json: string): RecordedEvent {
  const parsed = JSON.parse(json) as Omit<RecordedEvent, 'occurredAt'> & { occurredAt: string };
  return { ...parsed, occurredAt: new Date(parsed.occurredAt) };
}
