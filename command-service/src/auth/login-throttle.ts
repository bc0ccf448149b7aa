import { AppError } from '@mindflow/core/errors';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Failed logins allowed per window before the account, or the address, must wait. */
const limits = {
  account: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  ip: { points: 20, duration: 15 * 60, blockDuration: 15 * 60 },
} as const;

export interface LoginThrottle {
  /** Throws RATE_LIMITED (429, Retry-After) while the account or the address is blocked. */
  check(email: string, ip: string): Promise<void>;
  failed(email: string, ip: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

/** Counts failed logins per account and per IP, in Redis when given, in process otherwise. */
export function createLoginThrottle(redis: Redis | undefined): LoginThrottle {
  const limiter = (keyPrefix: string, options: (typeof limits)[keyof typeof limits]): RateLimiterAbstract =>
    redis === undefined
      ? new RateLimiterMemory({ keyPrefix, ...options })
      : new RateLimiterRedis({ storeClient: redis, keyPrefix, ...options });
  const account = limiter('login:account', limits.account);
  const ip = limiter('login:ip', limits.ip);
  const blocked = (result: RateLimiterRes | null, max: number) =>
    result !== null && result.consumedPoints > max ? Math.ceil(result.msBeforeNext / 1000) : 0;

  return {
    check: async (email, address) => {
      const [byAccount, byIp] = await Promise.all([account.get(email), ip.get(address)]);
      const wait = Math.max(blocked(byAccount, limits.account.points - 1), blocked(byIp, limits.ip.points - 1));
      if (wait > 0) {
        throw new AppError('RATE_LIMITED', `too many failed logins: try again in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        });
      }
    },
    failed: async (email, address) => {
      await Promise.all([account.penalty(email, 1), ip.penalty(address, 1)]);
    },
    succeeded: async (email) => {
      await account.delete(email);
    },
  };
}
