import rateLimit, { type FastifyRateLimitStore, type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { RequestAuth } from '../auth/index.js';
import type { RateLimitConfig } from '../config/index.js';
import { createCounters, type Counters } from '../counters/index.js';
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
}

const staffRoles = new Set(['analyst', 'compliance', 'admin']);

/**
 * Rate limits on every route registered after this in `scope`: one budget per IP address, and
 * one per signed-in caller whose size depends on their roles. Counters live in Redis under
 * `ratelimit:{who}:{window}`; over budget is 429 RATE_LIMITED with Retry-After and the
 * RateLimit-* headers. While Redis is away, the counters are kept in this process (Counters):
 * the limits stay enforced, per instance.
 */
export async function installRateLimits(scope: HttpServer, options: RateLimitOptions): Promise<void> {
  const { limits } = options;
  const window = `${limits.windowSeconds}s`;
  const callerOf = (request: FastifyRequest) => options.auth.callerOf(request);
  const counters = createCounters({
    redis: options.redis,
    keyPrefix: options.prefix.replace(/:$/, ''),
    windowSeconds: limits.windowSeconds,
  });
  const common: RateLimitPluginOptions = {
    timeWindow: limits.windowSeconds * 1000,
    enableDraftSpec: true,
    // The counters never fail for Redis's sake; anything else is a bug, and not a free pass.
    skipOnError: false,
    store: counterStore(counters),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `too many requests; retry in ${context.after}`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  };
  // Every route behind these limits may answer 429, and /openapi.json says so.
  scope.addHook('onRoute', (route) => {
    const response: unknown = route.schema?.response;
    if (route.schema === undefined || typeof response !== 'object' || response === null) return;
    route.schema = { ...route.schema, response: { ...response, ...errorResponses(429) } };
  });
  await scope.register(rateLimit, {
    ...common,
    max: limits.perIp,
    keyGenerator: (request) => `ip:${request.ip}:${window}`,
  });
  await scope.register(rateLimit, {
    ...common,
    // Anonymous requests have only the IP budget.
    allowList: async (request) => (await callerOf(request)) === undefined,
    keyGenerator: async (request) => `user:${(await callerOf(request))?.userId ?? request.ip}:${window}`,
    max: async (request) => {
      const caller = await callerOf(request);
      return caller?.roles.some((role) => staffRoles.has(role)) === true ? limits.perStaff : limits.perUser;
    },
  });
}

/** @fastify/rate-limit's store port over Counters (its window is the counters' own). */
function counterStore(counters: Counters) {
  return class CounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
      counters.add(key).then(
        (state) => {
          callback(null, { current: state.count, ttl: state.msBeforeReset });
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
