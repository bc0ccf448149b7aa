import cluster from 'node:cluster';
import {
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import type { RedisConnection } from '../redis/index.js';
import { redisScript, runScript } from '../redis/scripts.js';

/** A key's count in its current window. */
export interface CounterState {
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from 0. */
  readonly msBeforeReset: number;
}

/**
 * Counts per key in fixed windows: rate limits and throttles. Kept in Redis (shared by every
 * instance) when it is given and answers; else, and while Redis is away (a failed or slow
 * command, an open breaker), in this process, or in a cluster worker by the cluster's primary
 * (shared by the workers of one machine: runClustered). Never fails for Redis's sake: limits
 * stay enforced, per instance, while Redis is down (docs/security.md).
 */
export interface Counters {
  /** Adds `points` (default 1) to `key`'s count; the new state. */
  add(key: string, points?: number): Promise<CounterState>;
  /** Adds 1 to the count of each key, in one command to Redis; their new states, in order. */
  addEach(keys: readonly string[]): Promise<CounterState[]>;
  /** The key's state; undefined when nothing was counted in its window. */
  get(key: string): Promise<CounterState | undefined>;
  delete(key: string): Promise<void>;
}

export interface CountersOptions {
  readonly redis: Pick<RedisConnection, 'redis' | 'breaker'> | undefined;
  /** Keys are `${keyPrefix}:${key}` in Redis. */
  readonly keyPrefix: string;
  readonly windowSeconds: number;
}

/** Counters in Redis through its breaker, falling back to in-process ones (see Counters). */
export function createCounters(options: CountersOptions): Counters {
  const settings = { keyPrefix: options.keyPrefix, duration: options.windowSeconds, points: Number.MAX_SAFE_INTEGER };
  // A cluster's workers count together, in the primary (its RateLimiterClusterMaster).
  const local = cluster.isWorker
    ? new RateLimiterCluster({ ...settings, timeoutMs: 2_000 })
    : new RateLimiterMemory(settings);
  const connection = options.redis;
  const remote = connection && new RateLimiterRedis({ ...settings, storeClient: connection.redis });
  const use = async <T>(call: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> => {
    if (connection === undefined || remote === undefined) return call(local);
    try {
      return await connection.breaker.run(() => call(remote));
    } catch {
      // Redis is away (the breaker has logged it): this process (or cluster) keeps the count meanwhile.
      return call(local);
    }
  };
  const addEach = async (keys: readonly string[]): Promise<CounterState[]> => {
    const one = async (limiter: RateLimiterAbstract) =>
      Promise.all(keys.map(async (key) => state(await limiter.penalty(key, 1))));
    if (connection === undefined) return one(local);
    try {
      return await connection.breaker.run(async () => {
        const counted = await countEach(
          connection.redis,
          keys.map((key) => `${options.keyPrefix}:${key}`),
          settings.duration,
        );
        return keys.map((_, i) => ({
          count: Number(counted[2 * i]),
          msBeforeReset: Math.max(0, Number(counted[2 * i + 1])),
        }));
      });
    } catch {
      return one(local);
    }
  };
  const state = (result: RateLimiterRes): CounterState => ({
    count: result.consumedPoints,
    msBeforeReset: Math.max(0, result.msBeforeNext),
  });
  return {
    add: async (key, points = 1) => state(await use((limiter) => limiter.penalty(key, points))),
    addEach,
    get: async (key) => {
      const result = await use((limiter) => limiter.get(key));
      return result === null ? undefined : state(result);
    },
    delete: async (key) => {
      await use((limiter) => limiter.delete(key));
    },
  };
}

/**
 * Adds 1 to each key's count in one script, as RateLimiterRedis keeps a count (an integer that
 * expires with its window, which the first count of the window starts), so that `get` and
 * `delete` read and clear what it counts. Answers count and milliseconds left, key after key.
 */
const countEachScript = redisScript(`
local counted = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[1], 'NX')
  counted[2 * i - 1] = redis.call('INCRBY', key, 1)
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = 1000 * ARGV[1]
  end
  counted[2 * i] = ttl
end
return counted`);

async function countEach(redis: RedisConnection['redis'], keys: readonly string[], windowSeconds: number) {
  return (await runScript(redis, countEachScript, keys, [windowSeconds])) as number[];
}
