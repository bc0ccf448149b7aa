import type { Redis } from 'ioredis';
import type { Cache } from './types.js';

// Atomic "keep the greater string" (values are JSON strings, compared byte by byte): two
// writers racing never lower the value.
const raiseScript = `
local current = redis.call('GET', KEYS[1])
if current and current > ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
`;

/** The cache in Redis: JSON values with TTLs; prefix deletion by SCAN (never KEYS). */
export function createRedisCache(redis: Redis): Cache {
  return {
    get: async <T>(key: string) => {
      const json = await redis.get(key);
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    getMany: async (keys) => {
      if (keys.length === 0) return [];
      const values = await redis.mget(...keys);
      return values.map((json) => (json === null ? undefined : (JSON.parse(json) as unknown)));
    },
    raise: async (key, value, ttlSeconds) => {
      await redis.eval(raiseScript, 1, key, JSON.stringify(value), ttlSeconds);
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
