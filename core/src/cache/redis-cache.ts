import type { Redis } from 'ioredis';
import type { Cache } from './types.js';

/** The cache in Redis: JSON values with TTLs; prefix deletion by SCAN (never KEYS). */
export function createRedisCache(redis: Redis): Cache {
  return {
    get: async <T>(key: string) => {
      const json = await redis.get(key);
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    set: async (key, value, ttlSeconds) => {
      await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
    },
    delete: async (...keys) => {
      if (keys.length > 0) await redis.del(...keys);
    },
    deletePrefix: async (prefix) => {
      const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    },
  };
}
