import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';

export interface RedisConnection {
  readonly redis: Redis;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** An ioredis client that connects lazily and fails commands fast while Redis is away. */
export function connectRedis(config: RedisConfig): RedisConnection {
  const redis = new Redis(config.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  // Connection errors surface through commands and the health check; the client reconnects.
  redis.on('error', () => undefined);
  return {
    redis,
    health: {
      name: 'redis',
      check: async () => {
        await redis.ping();
      },
    },
    close: async () => {
      redis.disconnect();
    },
  };
}
