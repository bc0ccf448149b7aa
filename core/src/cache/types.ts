/**
 * A cache of answers that can always be recomputed: losing any entry, or all of them, must
 * never change an answer. Values are JSON, or bytes kept as they are (getBytes, setBytes).
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** Several keys in one round trip, in the order given. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Several keys' values as the bytes stored, in one round trip: for answers kept serialized. */
  getBytes(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  /** Stores bytes as they are (read them with getBytes). */
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
