/**
 * A cache of answers that can always be recomputed: losing any entry, or all of them, must
 * never change an answer. Values are JSON.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Removes the keys given; missing ones are fine. */
  delete(...keys: string[]): Promise<void>;
  /** Removes every key that starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}
