/**
 * A cache of answers that can always be recomputed: losing any entry, or all of them, must
 * never change an answer. Values are JSON, or bytes kept as they are (getBytes, setBytes).
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** Several keys in one round trip, in the order given. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /**
   * Several keys' values as the bytes stored, in one round trip: for answers kept serialized.
   * With `upTo`, at most the first `upTo` bytes of each (all of a shorter value): a value's head,
   * without carrying all of a long one.
   */
  getBytes(keys: readonly string[], upTo?: number): Promise<(Buffer | undefined)[]>;
  /** Stores bytes as they are (read them with getBytes); never none (refuseEmpty). */
  setBytes(key: string, value: Buffer, ttlSeconds: number): Promise<void>;
  /** Removes the keys given; missing ones are fine. */
  delete(...keys: string[]): Promise<void>;
  /**
   * Sets a key to `value` unless it already holds a greater one (strings compare by their
   * characters: give fixed-width keys); the TTL starts again either way.
   */
  raise(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Removes every key that starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}

/** Bytes to store must be some: a value's head of no bytes means it is missing (Cache.getBytes). */
export function refuseEmpty(key: string, value: Buffer): void {
  if (value.length === 0) throw new Error(`cache: no bytes to store under ${key}`);
}
