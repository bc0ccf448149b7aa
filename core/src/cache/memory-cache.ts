import { refuseEmpty, type Cache } from './types.js';

/** The in-process cache of embedded mode: a Map of bytes with expiry, bounded in size. */
export function createMemoryCache(maxEntries = 50_000): Cache {
  const entries = new Map<string, { bytes: Buffer; expires: number }>();
  const bytesOf = (key: string): Buffer | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.bytes;
  };
  const read = (key: string): unknown => {
    const bytes = bytesOf(key);
    return bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'));
  };
  const write = (key: string, bytes: Buffer, ttlSeconds: number) => {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value ?? key);
    entries.set(key, { bytes, expires: Date.now() + ttlSeconds * 1000 });
  };
  const writeJson = (key: string, value: unknown, ttlSeconds: number) =>
    write(key, Buffer.from(JSON.stringify(value)), ttlSeconds);
  return {
    get: async <T>(key: string) => read(key) as T | undefined,
    getMany: async (keys) => keys.map(read),
    set: async (key, value, ttlSeconds) => {
      writeJson(key, value, ttlSeconds);
    },
    getBytes: async (keys, upTo) =>
      keys.map((key) => {
        const bytes = bytesOf(key);
        return upTo === undefined ? bytes : bytes?.subarray(0, upTo);
      }),
    setBytes: async (key, value, ttlSeconds) => {
      refuseEmpty(key, value);
      write(key, Buffer.from(value), ttlSeconds);
    },
    raise: async (key, value, ttlSeconds) => {
      const current = read(key);
      writeJson(key, typeof current === 'string' && current > value ? current : value, ttlSeconds);
    },
    delete: async (...keys) => {
      for (const key of keys) entries.delete(key);
    },
    deletePrefix: async (prefix) => {
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    },
  };
}
