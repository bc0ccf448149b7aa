import { createHash } from 'node:crypto';
import { createCounters } from '@mindflow/core/counters';
import { AppError } from '@mindflow/core/errors';
import type { RedisConnection } from '@mindflow/core/redis';
import type { PasswordHasher } from './passwords.js';

/**
 * Failed logins allowed per window (OWASP's authentication guidance: throttle the pair, not the
 * account alone, so that a stranger cannot lock the owner out):
 * - `pair`: one address guessing one account's password;
 * - `ip`: one address trying many accounts (credential stuffing);
 * - `account`: many addresses guessing one account. Past it, an address that has already
 *   failed on the account waits; an address that has not (the owner, elsewhere) still gets in.
 */
const limits = {
  pair: { points: 5, windowSeconds: 15 * 60 },
  ip: { points: 20, windowSeconds: 15 * 60 },
  account: { points: 50, windowSeconds: 15 * 60 },
} as const;

export interface LoginThrottle {
  /** Throws RATE_LIMITED (429, Retry-After) while this address may not try this account's password. */
  check(email: string, ip: string): Promise<void>;
  failed(email: string, ip: string): Promise<void>;
  succeeded(email: string, ip: string): Promise<void>;
}

/**
 * Counts failed password checks (logins, and the password-confirmed account operations) per
 * account and address, per address and per account: in Redis when given, in process otherwise
 * and while Redis is away (the throttle stays enforced, per instance: docs/security.md).
 */
export function createLoginThrottle(redis: RedisConnection | undefined): LoginThrottle {
  const counters = (name: keyof typeof limits) =>
    createCounters({ redis, keyPrefix: `login:${name}`, windowSeconds: limits[name].windowSeconds });
  const pair = counters('pair');
  const ip = counters('ip');
  const account = counters('account');
  // Counter keys never hold an email in clear (they outlive an erasure by up to 15 minutes).
  const accountKey = (email: string) => createHash('sha256').update(email).digest('base64url');
  const pairKey = (email: string, address: string) => `${accountKey(email)}|${address}`;
  const wait = (state: { count: number; msBeforeReset: number } | undefined, max: number) =>
    state !== undefined && state.count >= max ? Math.max(1, Math.ceil(state.msBeforeReset / 1000)) : 0;

  return {
    check: async (email, address) => {
      const [byPair, byIp, byAccount] = await Promise.all([
        pair.get(pairKey(email, address)),
        ip.get(address),
        account.get(accountKey(email)),
      ]);
      const failedHere = (byPair?.count ?? 0) > 0;
      const seconds = Math.max(
        wait(byPair, limits.pair.points),
        wait(byIp, limits.ip.points),
        failedHere ? wait(byAccount, limits.account.points) : 0,
      );
      if (seconds > 0) {
        throw new AppError('RATE_LIMITED', `too many failed attempts: try again in ${seconds} s`, {
          headers: { 'retry-after': String(seconds) },
        });
      }
    },
    failed: async (email, address) => {
      await Promise.all([pair.add(pairKey(email, address)), ip.add(address), account.add(accountKey(email))]);
    },
    succeeded: async (email, address) => {
      await pair.delete(pairKey(email, address));
    },
  };
}

/**
 * A signed-in user's password, confirmed under the login throttle before an operation that asks
 * for it (erasure, a password change): a stolen access token must not become a password oracle.
 * RATE_LIMITED while the address is blocked for the account; FORBIDDEN (`refusal`) when wrong.
 */
export async function confirmPassword(
  deps: { readonly throttle: LoginThrottle; readonly hasher: PasswordHasher },
  account: { readonly email: string; readonly passwordHash: string },
  password: string,
  ip: string,
  refusal: string,
): Promise<void> {
  const email = account.email.trim().toLowerCase();
  await deps.throttle.check(email, ip);
  if (!(await deps.hasher.verify(account.passwordHash, password))) {
    await deps.throttle.failed(email, ip);
    throw new AppError('FORBIDDEN', refusal);
  }
  await deps.throttle.succeeded(email, ip);
}
