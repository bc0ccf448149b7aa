import type { AccessClaims, RequestAuth } from '@mindflow/core/auth';
import { cacheKeys, type Cache } from '@mindflow/core/cache';
import type { Logger } from '@mindflow/core/logging';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { EventStoreDb, ReadDb } from '../database.js';
import { awaitReadPoint, readModel, type ReadPoint, type ReadSource } from './read-position.js';

export interface ReadDeps {
  readonly db: ReadDb;
  readonly events: EventStoreDb;
  readonly cache: Cache;
  readonly auth: RequestAuth;
  /** How long X-Min-Position may wait. */
  readonly waitMs: number;
  /** The time, for what is counted on the caller's "today" (their goals). */
  readonly now: () => Date;
  readonly logger: Logger;
  readonly cacheLookups: Counter<'cache' | 'result'>;
  /** How long reads waited for X-Min-Position, by outcome (reached, timeout). */
  readonly readWaits: Histogram<'outcome'>;
}

/** The headers every read takes. */
export const readHeaders = Type.Object({
  // Digits only: coercing to a number would take `Infinity`, `1e309` and `0x10`.
  'x-min-position': Type.Optional(
    Type.String({
      pattern: '^(0|[1-9][0-9]{0,14})$',
      description:
        "a command's `position` (an integer up to 15 digits): wait (bounded) until the answer reflects it, else 503",
    }),
  ),
});

/** What every read answers besides its body (OpenAPI). */
const answerHeaders = {
  'x-position': { type: 'integer', description: 'the global position the answer reflects' },
  etag: { type: 'string', description: 'send back as If-None-Match: 304 while the answer is the same' },
  'cache-control': { type: 'string', description: 'private, no-cache' },
} as const;

/** A read's 200 schema, with the headers every read answers, for the OpenAPI document. */
export function readAnswer<T extends TSchema>(schema: T): T {
  return { ...schema, headers: answerHeaders };
}

/** A cached answer: the read point and time zone it was computed at, and the answer. */
interface CachedAnswer<T> {
  readonly position: number;
  /** The read point's commit-order key. */
  readonly key: string;
  readonly timezone: string;
  /** What else the answer depends on (e.g. today's date), when anything. */
  readonly tag: string | null;
  readonly body: T;
}

export interface CacheSpec {
  /** The kind of answer, for metrics. */
  readonly name: string;
  readonly key: string;
  readonly ttlSeconds: number;
}

/** What a read route works with: the caller, and the read model as of at least their X-Min-Position. */
export interface Reader {
  readonly caller: AccessClaims;
  readonly userId: string;
  /** The read point, once the read model reflects X-Min-Position (each call after the first is free). */
  point(): Promise<ReadPoint>;
  /**
   * The cached answer when it is still right, else `load`'s, which is then cached. "Still right":
   * built at a read point no older (in commit order) than the newest event the cache has been
   * told of for this user, nor than the read point X-Min-Position waits for, and with the same
   * `tag` (computed from the time zone).
   */
  cached<T>(spec: CacheSpec, load: (point: ReadPoint) => Promise<T>, tag?: (timezone: string) => string): Promise<T>;
}

function isCachedAnswer(value: unknown): value is CachedAnswer<unknown> {
  return typeof value === 'object' && value !== null && 'key' in value && 'position' in value && 'body' in value;
}

/**
 * Authenticates the caller and prepares the read of `source` (the read model unless said); the
 * reply says which position the answer reflects (X-Position) and that only the caller may keep
 * it (Cache-Control: private).
 */
export async function beginRead(
  deps: ReadDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  source: ReadSource = readModel,
): Promise<Reader> {
  // A deleted account, or an ended login, reads nothing: the session is checked on each request.
  const caller = await deps.auth.authenticate(request);
  const userId = caller.userId;
  // Validated by the route's `readHeaders` schema: at most 15 digits, a safe integer.
  const given: unknown = request.headers['x-min-position'];
  const minPosition = typeof given === 'string' ? Number(given) : 0;
  let point: Promise<ReadPoint> | undefined;
  const reflect = (position: number) => reply.header('x-position', String(position));
  const cacheSafely = async <T>(what: string, call: () => Promise<T>, otherwise: T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      deps.logger.warn({ err: error, userId }, `cache ${what} failed; reading the database`);
      return otherwise;
    }
  };
  const waitedPoint = async () => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const found = await awaitReadPoint(deps.db, deps.events, userId, minPosition, deps.waitMs, source);
      deps.readWaits.observe({ outcome: 'reached' }, seconds());
      return found;
    } catch (error) {
      deps.readWaits.observe({ outcome: 'timeout' }, seconds());
      throw error;
    }
  };
  const reader: Reader = {
    caller,
    userId,
    point: () => {
      point ??= (minPosition > 0 ? waitedPoint() : source.point(deps.db, userId)).then((found) => {
        reflect(found.position);
        return found;
      });
      return point;
    },
    cached: async <T>(spec: CacheSpec, load: (point: ReadPoint) => Promise<T>, tag?: (timezone: string) => string) => {
      // With X-Min-Position, the answer must be at least as new as the point that reflects it.
      const floor = minPosition > 0 ? (await reader.point()).key : '';
      const [entry, mark] = await cacheSafely(
        'read',
        () => deps.cache.getMany([spec.key, cacheKeys.userPosition(userId).key]),
        [],
      );
      if (
        isCachedAnswer(entry) &&
        entry.key >= (typeof mark === 'string' ? mark : '') &&
        entry.key >= floor &&
        entry.tag === (tag?.(entry.timezone) ?? null)
      ) {
        deps.cacheLookups.inc({ cache: spec.name, result: 'hit' });
        reflect(entry.position);
        return entry.body as T;
      }
      deps.cacheLookups.inc({ cache: spec.name, result: 'miss' });
      const found = await reader.point();
      const body = await load(found);
      const answer: CachedAnswer<T> = {
        position: found.position,
        key: found.key,
        timezone: found.timezone,
        tag: tag?.(found.timezone) ?? null,
        body,
      };
      await cacheSafely('write', () => deps.cache.set(spec.key, answer, spec.ttlSeconds), undefined);
      return body;
    },
  };
  reply.header('cache-control', 'private, no-cache');
  return reader;
}
