import type { RedisConnection } from '../redis/index.js';
import { refuseEmpty, type Cache } from './types.js';

// Atomic "keep the greater string" (values are JSON strings, compared byte by byte): two
// writers racing never lower the value.
const raiseScript = `
local current = redis.call('GET', KEYS[1])
if current and current > ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
`;

/**
 * The cache in Redis: JSON values (or bytes as given) with TTLs; prefix deletion by SCAN (never KEYS). Every command
 * goes through the connection's breaker: with Redis away it fails within the timeout, and at
 * once while the breaker is open, with a retriable EngineUnavailableError (readers skip the
 * cache; the invalidation projection waits and tries again).
 */
export function createRedisCache(connection: Pick<RedisConnection, 'redis' | 'breaker'>): Cache {
  const { redis, breaker } = connection;
  return {
    get: async <T>(key: string) => {
      const json = await breaker.run(() => redis.get(key));
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    getMany: async (keys) => {
      if (keys.length === 0) return [];
      const values = await breaker.run(() => redis.mget(...keys));
      return values.map((json) => (json === null ? undefined : (JSON.parse(json) as unknown)));
    },
    getBytes: async (keys, upTo) => {
      if (keys.length === 0) return [];
      if (upTo !== undefined && upTo < 1) throw new RangeError(`cache: upTo must be 1 or more, not ${String(upTo)}`);
      if (upTo === undefined) {
        const values = await breaker.run(() => redis.mgetBuffer(...keys));
        return values.map((bytes) => bytes ?? undefined);
      }
      // GETRANGE of each key, sent in one write (auto-pipelining). It answers a missing key with
      // no bytes: values are never empty (setBytes refuses them), so no bytes is no value.
      const heads = await breaker.run(() => Promise.all(keys.map((key) => redis.getrangeBuffer(key, 0, upTo - 1))));
      return heads.map((bytes) => (bytes.length === 0 ? undefined : bytes));
    },
    setBytes: async (key, value, ttlSeconds) => {
      refuseEmpty(key, value);
      await breaker.run(() => redis.set(key, value, 'EX', ttlSeconds));
    },
    raise: async (key, value, ttlSeconds) => {
      await breaker.run(() => redis.eval(raiseScript, 1, key, JSON.stringify(value), ttlSeconds));
    },
    set: async (key, value, ttlSeconds) => {
      await breaker.run(() => redis.set(key, JSON.stringify(value), 'EX', ttlSeconds));
    },
    delete: async (...keys) => {
      if (keys.length > 0) await breaker.run(() => redis.del(...keys));
    },
    deletePrefix: async (prefix) => {
      const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
      let cursor = '0';
      do {
        const [next, keys] = await breaker.run(() => redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
        cursor = next;
        if (keys.length > 0) await breaker.run(() => redis.del(...keys));
      } while (cursor !== '0');
    },
  };
}
