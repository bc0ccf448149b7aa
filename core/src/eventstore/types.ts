/** Who caused an event, from where, and why: carried by every event. */
export interface EventMetadata {
  readonly requestId?: string;
  readonly actorId?: string;
  readonly actorRole?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
}

/** An event to append: its stream and position are given by the store. */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: Date;
  readonly userId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
}

/** An event as stored: the envelope of ARCHITECTURE.md. */
export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  /**
   * The commit-order key (xid8, as text; the column is `transaction_id`): the inserting
   * transaction's id, or the key of the stream's previous version when that is larger. With
   * globalPosition, the order readAll hands events out in.
   */
  readonly transactionId: string;
}

/**
 * Where a reader of the whole log stands: the commit-order key of the last event it has
 * seen. Readers resume from it; it is what projections store.
 */
export interface Checkpoint {
  readonly transactionId: string;
  readonly position: number;
}

export const startOfLog: Checkpoint = Object.freeze({ transactionId: '0', position: 0 });

/** A number: the stream must be at exactly that version (0: it must not exist). */
export type ExpectedVersion = number | 'any';

export interface AppendResult {
  /** The stream's version after the append. */
  readonly streamVersion: number;
  /** The global position of the last event appended. */
  readonly position: number;
}
