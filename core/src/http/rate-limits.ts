import type { FastifyRequest } from 'fastify';
import type { AccessClaims, RequestAuth } from '../auth/index.js';
import type { RateLimitConfig } from '../config/index.js';
import { createCounters } from '../counters/index.js';
import { AppError } from '../errors/index.js';
import type { RedisConnection } from '../redis/index.js';
import { errorResponses } from './schemas.js';
import type { HttpServer } from './server.js';

export interface RateLimitOptions {
  readonly limits: RateLimitConfig;
  /** Who is asking (the routes behind share it, so each token is checked once). */
  readonly auth: RequestAuth;
  /** Counters in Redis (shared by every instance); in-process without it, or while it is away. */
  readonly redis: RedisConnection | undefined;
  /** The Redis key prefix of the counters, e.g. `ratelimit:`. */
  readonly prefix: string;
  /**
   * Redis reads the request will need, started in the same tick as its counters, so that the
   * client sends them all in one write (auto-pipelining): e.g. the cached answer a route reads.
   */
  readonly alongside?: (request: FastifyRequest, caller: AccessClaims | undefined) => void;
}

const staffRoles = new Set(['analyst', 'compliance', 'admin']);

/**
 * The headers of every answer of a route behind the limits, whatever its status (OpenAPI
 * response headers): completeOpenApi states them on each response of an operation that may
 * answer 429, and Retry-After on its 429.
 */
export const rateLimitHeaders = {
  'ratelimit-limit': {
    description: 'the requests the nearest budget allows per window',
    schema: { type: 'integer', minimum: 0 },
  },
  'ratelimit-remaining': {
    description: 'the requests left in that window',
    schema: { type: 'integer', minimum: 0 },
  },
  'ratelimit-reset': {
    description: 'seconds until that window ends',
    schema: { type: 'integer', minimum: 0 },
  },
} as const;

/** What a 429 answers besides the budget: when to try again. */
export const retryAfterHeader = {
  'retry-after': { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
} as const;

/** One budget of a request: its counter's key and how many requests it allows per window. */
interface Budget {
  readonly key: string;
  readonly max: number;
}

/**
 * Rate limits on every route registered after this in `scope`: one budget per IP address, and
 * one per signed-in caller whose size depends on their roles. Counters live in Redis under
 * `ratelimit:{who}:{window}`; over budget is 429 RATE_LIMITED with Retry-After. Every answer
 * carries the RateLimit-Limit, -Remaining and -Reset headers (IETF draft) of the budget nearest
 * its end. While Redis is away, the counters are kept in this process (Counters): the limits
 * stay enforced, per instance.
 *
 * One hook counts both budgets at once, so that both counters (and what `alongside` reads) reach
 * Redis in one write: the caller is known first (their token and session are checked once per
 * request, and are cached), so an anonymous request counts against its address only.
 */
export function installRateLimits(scope: HttpServer, options: RateLimitOptions): void {
  const { limits } = options;
  const window = `${String(limits.windowSeconds)}s`;
  const counters = createCounters({
    redis: options.redis,
    keyPrefix: options.prefix.replace(/:$/, ''),
    windowSeconds: limits.windowSeconds,
  });
  const budgetsOf = (request: FastifyRequest, caller: AccessClaims | undefined): Budget[] => {
    const byAddress = { key: `ip:${request.ip}:${window}`, max: limits.perIp };
    if (caller === undefined) return [byAddress];
    const staff = caller.roles.some((role) => staffRoles.has(role));
    return [byAddress, { key: `user:${caller.userId}:${window}`, max: staff ? limits.perStaff : limits.perUser }];
  };
  // Every route behind these limits may answer 429, and /openapi.json says so.
  scope.addHook('onRoute', (route) => {
    const response: unknown = route.schema?.response;
    if (route.schema === undefined || typeof response !== 'object' || response === null) return;
    route.schema = { ...route.schema, response: { ...response, ...errorResponses(429) } };
  });
  scope.addHook('onRequest', async (request, reply) => {
    const caller = await options.auth.callerOf(request);
    const budgets = budgetsOf(request, caller);
    const counting = counters.addEach(budgets.map((budget) => budget.key));
    options.alongside?.(request, caller);
    const counted = (await counting).map((state, i) => {
      const max = budgets[i]?.max ?? 0;
      return {
        max,
        over: state.count > max,
        left: max - state.count,
        resetSeconds: Math.ceil(state.msBeforeReset / 1000),
      };
    });
    // A spent budget speaks for both (the one that resets last, when both are: a retry before
    // it would be refused), else the one with the fewest requests left.
    const speaks = (a: (typeof counted)[number], b: (typeof counted)[number]) =>
      a.over !== b.over ? b.over : a.over ? b.resetSeconds > a.resetSeconds : b.left < a.left;
    const nearest = counted.reduce((a, b) => (speaks(a, b) ? b : a));
    reply
      .header('ratelimit-limit', nearest.max)
      .header('ratelimit-remaining', Math.max(0, nearest.left))
      .header('ratelimit-reset', nearest.resetSeconds);
    if (nearest.over) {
      const seconds = Math.max(1, nearest.resetSeconds);
      throw new AppError('RATE_LIMITED', `too many requests; retry in ${String(seconds)} s`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
  });
}
