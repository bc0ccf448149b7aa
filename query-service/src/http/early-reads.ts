import type { AccessClaims } from '@mindflow/core/auth';
import { cacheKeys, type Cache } from '@mindflow/core/cache';
import type { FastifyRequest } from 'fastify';
import { answerHeadBytes } from './answer-bodies.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The key of the cached answer the route sends `userId` for these query values (as sent:
     * strings, not yet validated), when it sends one. Only a guess that lets the read start
     * early: the route still names the key it reads (Reader.sendCached), and a wrong guess is
     * a lookup spent for nothing.
     */
    readonly cachedAnswerKey?: (userId: string, query: Readonly<Record<string, unknown>>) => string | undefined;
  }
}

/** The head of a cached answer (answerHeadBytes) and its user's mark, as `Cache.getBytes` gives them. */
export type AnswerBytes = Promise<readonly (Buffer | undefined)[]>;

/**
 * Cache reads started before the route runs, beside the rate-limit counters (installRateLimits'
 * `alongside`), so that Redis gets the request's three commands in one write. The route takes
 * the read when it asks for the key that was guessed.
 */
export interface EarlyReads {
  /** Starts the lookup of the answer the route would send the caller, when it names one. */
  readonly start: (request: FastifyRequest, caller: AccessClaims | undefined) => void;
  /** The lookup of `[key, the user's mark]` started for this request, when it was that key. */
  readonly take: (request: FastifyRequest, key: string) => AnswerBytes | undefined;
}

export function earlyReads(cache: Cache): EarlyReads {
  const started = new WeakMap<FastifyRequest, { readonly key: string; readonly bytes: AnswerBytes }>();
  return {
    start: (request, caller) => {
      const keyOf = request.routeOptions.config.cachedAnswerKey;
      if (caller === undefined || keyOf === undefined) return;
      // Fastify's query string parser gives an object of strings (and arrays of them).
      const key = keyOf(caller.userId, request.query as Readonly<Record<string, unknown>>);
      if (key === undefined) return;
      const bytes = cache.getBytes([key, cacheKeys.userPosition(caller.userId).key], answerHeadBytes);
      // Taken, or dropped when the request ends before its route (a 429, a 400): its failure is the taker's.
      bytes.catch(() => undefined);
      started.set(request, { key, bytes });
    },
    take: (request, key) => {
      const early = started.get(request);
      started.delete(request);
      return early?.key === key ? early.bytes : undefined;
    },
  };
}
