import type { RecordedEvent } from '../eventstore/index.js';
import type { HealthCheck } from '../health/index.js';

/**
 * One event as a bus delivers it. `partition` and `offset` say where it stands on the bus:
 * offsets are strings that sort in delivery order within their partition, so a subscriber
 * that stores the last offset it applied per partition can skip any redelivery.
 */
export interface Delivery {
  readonly event: RecordedEvent;
  readonly partition: string;
  readonly offset: string;
}

/** A consumer of the event stream: a projection, a worker. */
export interface Subscriber {
  /** Its consumer group: one per subscriber, each sees every event. */
  readonly name: string;
  /** The last offset it applied per partition (kept with its effects); empty: from the start. */
  offsets(): Promise<ReadonlyMap<string, string>>;
  /**
   * Applies a batch, in order within each partition. Deliveries at or before the stored
   * offsets must be skipped; a throw makes the bus deliver the batch again (a DeliverAgain: at
   * once, with whatever has come since).
   */
  handle(batch: readonly Delivery[]): Promise<void>;
}

/**
 * Thrown by a subscriber that has waited as long as it meant to: the bus delivers again from its
 * stored offsets at once, with the events that came meanwhile, without a wait or a log of its own.
 */
export class DeliverAgain extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DeliverAgain';
  }
}

export interface SubscribeOptions {
  /** Largest batch handed to the subscriber at once. */
  readonly batchSize?: number;
}

export interface Subscription {
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
}

/**
 * The event bus: Kafka in production, the event store itself in embedded mode. Delivery is
 * at least once, in commit order per user; subscribers make it exactly-once in effect.
 */
export interface EventBus {
  subscribe(subscriber: Subscriber, options?: SubscribeOptions): Promise<Subscription>;
  /**
   * For /healthz: fails, naming the subscribers, while one of them cannot run and a process
   * restart may help (never while an engine is merely out of reach).
   */
  readonly liveness: HealthCheck;
  close(): Promise<void>;
}
