import { createCounters } from '@mindflow/core/counters';
import { AppError } from '@mindflow/core/errors';
import type { RedisConnection } from '@mindflow/core/redis';

/** Failed logins allowed per window before the account, or the address, must wait. */
const limits = {
  account: { points: 5, windowSeconds: 15 * 60 },
  ip: { points: 20, windowSeconds: 15 * 60 },
} as const;

export interface LoginThrottle {
  /** Throws RATE_LIMITED (429, Retry-After) while the account or the address is blocked. */
  check(email: string, ip: string): Promise<void>;
  failed(email: string, ip: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

/**
 * Counts failed logins per account and per IP: in Redis when given, in process otherwise and
 * while Redis is away (the throttle stays enforced, per instance: docs/security.md).
 */
export function createLoginThrottle(redis: RedisConnection | undefined): LoginThrottle {
  const account = createCounters({ redis, keyPrefix: 'login:account', windowSeconds: limits.account.windowSeconds });
  const ip = createCounters({ redis, keyPrefix: 'login:ip', windowSeconds: limits.ip.windowSeconds });
  const blocked = (state: { count: number; msBeforeReset: number } | undefined, max: number) =>
    state !== undefined && state.count >= max ? Math.max(1, Math.ceil(state.msBeforeReset / 1000)) : 0;

  return {
    check: async (email, address) => {
      const [byAccount, byIp] = await Promise.all([account.get(email), ip.get(address)]);
      const wait = Math.max(blocked(byAccount, limits.account.points), blocked(byIp, limits.ip.points));
      if (wait > 0) {
        throw new AppError('RATE_LIMITED', `too many failed logins: try again in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        });
      }
    },
    failed: async (email, address) => {
      await Promise.all([account.add(email), ip.add(address)]);
    },
    succeeded: async (email) => {
      await account.delete(email);
    },
  };
}
