import { Redis } from 'ioredis';
import { createBreaker, type Breaker } from '../breaker/index.js';
import type { RedisConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';

export interface RedisConnection {
  readonly redis: Redis;
  /** Every request-serving command goes through it: `breaker.run(() => redis.get(key))`. */
  readonly breaker: Breaker;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/**
 * An ioredis client that connects lazily, and a breaker in front of it. Commands time out after
 * `config.timeoutMs`; the breaker opens at the first failure, or when the client loses its
 * connection, and closes when the client is ready again (or a trial call succeeds). While it is open,
 * callers fall back at once (docs/security.md): the cache is skipped, counters are kept in process.
 */
export function connectRedis(config: RedisConfig, logger: Logger): RedisConnection {
  const redis = new Redis(config.url, {
    lazyConnect: true,
    // A command waits for one reconnection at most; the breaker's timeout bounds it anyway, and
    // the client's own timeout (twice as long) keeps abandoned commands from piling up.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    commandTimeout: config.timeoutMs * 2,
    connectTimeout: Math.max(1_000, config.timeoutMs * 4),
    // Commands issued in one turn of the event loop go out in one write: a request's rate-limit
    // counters and its cached answer, and those of every request served meanwhile.
    enableAutoPipelining: true,
  });
  // Redis answers in well under a millisecond: one command past the timeout means it is stalled,
  // so one failure opens the breaker; a trial call 2 s later closes it again if that was a blip.
  const breaker = createBreaker({
    engine: 'redis',
    timeoutMs: config.timeoutMs,
    failureThreshold: 1,
    resetMs: 2_000,
    logger,
  });
  // Connection errors open the breaker (and reach commands as failures); the client reconnects.
  redis.on('error', (error: Error) => {
    breaker.trip(error.message);
  });
  redis.on('ready', () => {
    breaker.reset();
  });
  return {
    redis,
    breaker,
    health: {
      name: 'redis',
      check: async () => {
        await breaker.run(() => redis.ping());
      },
    },
    close: async () => {
      breaker.shutdown();
      redis.disconnect();
    },
  };
}
