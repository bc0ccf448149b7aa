import type { Cache } from './types.js';

/** The in-process cache of embedded mode: a Map with expiry, bounded in size. */
export function createMemoryCache(maxEntries = 50_000): Cache {
  const entries = new Map<string, { json: string; expires: number }>();
  const read = (key: string): unknown => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json);
  };
  const write = (key: string, value: unknown, ttlSeconds: number) => {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value ?? key);
    entries.set(key, { json: JSON.stringify(value), expires: Date.now() + ttlSeconds * 1000 });
  };
  return {
    get: async <T>(key: string) => read(key) as T | undefined,
    getMany: async (keys) => keys.map(read),
    set: async (key, value, ttlSeconds) => {
      write(key, value, ttlSeconds);
    },
    raise: async (key, value, ttlSeconds) => {
      const current = read(key);
      write(key, typeof current === 'string' && current > value ? current : value, ttlSeconds);
    },
    delete: async (...keys) => {
      for (const key of keys) entries.delete(key);
    },
    deletePrefix: async (prefix) => {
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    },
  };
}
