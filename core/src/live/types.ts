/** What a user's open streams are told of one of their events: ids only, never journal text. */
export interface LiveUpdate {
  readonly type: LiveUpdateType;
  /** The entry, insight or notification the event is about; for an achievement, its code. */
  readonly id: string;
  /** The event's global position: the SSE id, and what X-Min-Position takes to read it. */
  readonly position: number;
}

export const liveUpdateTypes = [
  'entry-created',
  'entry-updated',
  'entry-deleted',
  'entry-restored',
  'analysis-ready',
  'insight-ready',
  'notification',
  'achievement',
] as const;
export type LiveUpdateType = (typeof liveUpdateTypes)[number];

/**
 * How updates reach a user's open streams, wherever they are held: in this process (npm start),
 * in the processes of one machine's cluster through its primary (`--workers N` without Redis),
 * or across processes and nodes through Redis pub/sub, with the registry of open streams under
 * `ws:user:{userId}`.
 */
export interface LiveHub {
  /** Which adapter this is, for logs and /readyz. */
  readonly kind: 'memory' | 'cluster' | 'redis';
  /** Tells every open stream of the user, in every process listening. */
  publish(userId: string, update: LiveUpdate): Promise<void>;
  /**
   * Listens for a user's updates; resolves once listening, so that nothing published after
   * that is missed. `lost` is called when updates may have been missed (the hub lost its
   * connection): the stream should end, and its client reconnect with Last-Event-ID.
   */
  listen(userId: string, listener: (update: LiveUpdate) => void, lost: () => void): Promise<() => Promise<void>>;
  /**
   * Registers an open stream; false, and nothing registered, when the user has `cap` open
   * already. A stream not touched for `staleMs` (its process died) no longer counts.
   */
  open(userId: string, connectionId: string, cap: number, staleMs: number): Promise<boolean>;
  /** The stream is still open (called with each heartbeat, by the process that opened it). */
  touch(userId: string, connectionId: string, staleMs: number): Promise<void>;
  /** The stream closed (called by the process that opened it). */
  close(userId: string, connectionId: string): Promise<void>;
  /** How many streams the user has open, everywhere. */
  openCount(userId: string): Promise<number>;
  /** Stops listening (the publisher's connection is the caller's). */
  shutdown(): Promise<void>;
}

const channelPrefix = 'live:user:';
/** The pub/sub channel of a user's updates. */
export const liveChannel = (userId: string) => `${channelPrefix}${userId}`;
/** The user whose updates a channel carries. */
export const userOfLiveChannel = (channel: string) => channel.slice(channelPrefix.length);
/** The registry of a user's open streams (a sorted set: connection id → when it goes stale). */
export const liveRegistryKey = (userId: string) => `ws:user:${userId}`;
