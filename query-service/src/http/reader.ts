import { createHash } from 'node:crypto';
import type { AccessClaims, RequestAuth } from '@mindflow/core/auth';
import { cacheKeys, type Cache } from '@mindflow/core/cache';
import type { Logger } from '@mindflow/core/logging';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { EventStoreDb, ReadDb } from '../database.js';
import { answerHeadBytes, type AnswerBodies } from './answer-bodies.js';
import type { EarlyReads } from './early-reads.js';
import { awaitReadPoint, readModel, type ReadPoint, type ReadSource } from './read-position.js';

export interface ReadDeps {
  readonly db: ReadDb;
  readonly events: EventStoreDb;
  readonly cache: Cache;
  /** Cache lookups started beside the rate-limit counters. */
  readonly early: EarlyReads;
  /** The bodies of answers this process has lately sent, so that a hit reads only their head. */
  readonly bodies: AnswerBodies;
  readonly auth: RequestAuth;
  /** How long X-Min-Position may wait. */
  readonly waitMs: number;
  /** The time, for what is counted on the caller's "today" (their goals). */
  readonly now: () => Date;
  readonly logger: Logger;
  readonly cacheLookups: Counter<'cache' | 'result' | 'read'>;
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

/** What a cached answer is kept with: the read point and time zone it was computed at, its tag and its ETag. */
export interface AnswerMeta {
  readonly position: number;
  /** The read point's commit-order key. */
  readonly key: string;
  readonly timezone: string;
  /** What else the answer depends on (e.g. today's date), when anything. */
  readonly tag: string | null;
  readonly etag: string;
}

/**
 * An answer as the cache keeps it: its meta's JSON, a newline, then the answer's JSON as the
 * route serialized it, so that a hit is sent as it is: no parse, no serialization, no hash.
 */
export function storedAnswer(meta: AnswerMeta, json: string): Buffer {
  return Buffer.from(`${JSON.stringify(meta)}\n${json}`);
}

/** A stored answer's meta and JSON; undefined for bytes that are not one (another version's). */
export function readStoredAnswer(bytes: Buffer): { meta: AnswerMeta; json: Buffer } | undefined {
  const end = bytes.indexOf(0x0a);
  if (end < 0) return undefined;
  try {
    const meta: unknown = JSON.parse(bytes.subarray(0, end).toString('utf8'));
    if (!isAnswerMeta(meta)) return undefined;
    return { meta, json: bytes.subarray(end + 1) };
  } catch {
    return undefined;
  }
}

function isAnswerMeta(value: unknown): value is AnswerMeta {
  return (
    typeof value === 'object' &&
    value !== null &&
    'key' in value &&
    typeof value.key === 'string' &&
    'position' in value &&
    'etag' in value &&
    typeof value.etag === 'string'
  );
}

/** An answer's ETag (quoted), as @fastify/etag makes those of the answers it hashes itself. */
export function answerTag(payload: string | Buffer): string {
  return `"${answerHash(payload)}"`;
}

/** The hash of an answer's ETag: SHA-1, base64. */
export function answerHash(payload: string | Buffer): string {
  return createHash('sha1').update(payload).digest('base64');
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
   * Sends the route's answer: the cached one when it is still right, as it was stored, else
   * `load`'s, serialized by the route's schema, then cached. "Still right": built at a read
   * point no older (in commit order) than the newest event the cache has been told of for this
   * user, nor than the read point X-Min-Position waits for, and with the same `tag` (computed
   * from the time zone). The reply carries the answer's ETag.
   */
  sendCached<T>(
    spec: CacheSpec,
    load: (point: ReadPoint) => Promise<T>,
    tag?: (timezone: string) => string,
  ): Promise<FastifyReply>;
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
  /**
   * The body of the stored answer whose head is `head`, once that head was found still right:
   * the rest of the head when it holds all of it, else this process's copy under the head's
   * ETag, else read whole from the cache (one more round trip) and kept. Undefined when the
   * whole answer read is another than the head's (stored meanwhile): a miss.
   */
  const bodyOf = async (key: string, head: Buffer, found: { meta: AnswerMeta; json: Buffer }) => {
    if (head.length < answerHeadBytes) return found.json;
    const kept = deps.bodies.get(key, found.meta.etag);
    if (kept !== undefined) return kept;
    const [bytes] = await cacheSafely('read', () => deps.cache.getBytes([key]), [undefined]);
    const all = bytes === undefined ? undefined : readStoredAnswer(bytes);
    if (all?.meta.etag !== found.meta.etag) return undefined;
    deps.bodies.put(key, all.meta.etag, all.json);
    return all.json;
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
    sendCached: async <T>(
      spec: CacheSpec,
      load: (point: ReadPoint) => Promise<T>,
      tag?: (timezone: string) => string,
    ) => {
      // With X-Min-Position, the answer must be at least as new as the point that reflects it.
      const floor = minPosition > 0 ? (await reader.point()).key : '';
      // Started beside the rate-limit counters when the route guessed this key, else now.
      const early = deps.early.take(request, spec.key);
      const read = early === undefined ? 'late' : 'early';
      // The head of the stored answer and the user's mark; bytes that are neither count as a failed read.
      const [head, mark] = await cacheSafely(
        'read',
        async () => {
          const [bytes, markBytes] = await (early ??
            deps.cache.getBytes([spec.key, cacheKeys.userPosition(userId).key], answerHeadBytes));
          const stored: unknown = markBytes === undefined ? '' : JSON.parse(markBytes.toString('utf8'));
          return [bytes, typeof stored === 'string' ? stored : ''] as const;
        },
        [undefined, ''] as const,
      );
      reply.type('application/json; charset=utf-8');
      // Still right is decided from the head alone: a stale answer's body is never read.
      const found = head === undefined ? undefined : readStoredAnswer(head);
      const body =
        head !== undefined &&
        found !== undefined &&
        found.meta.key >= mark &&
        found.meta.key >= floor &&
        found.meta.tag === (tag?.(found.meta.timezone) ?? null)
          ? await bodyOf(spec.key, head, found)
          : undefined;
      if (found !== undefined && body !== undefined) {
        deps.cacheLookups.inc({ cache: spec.name, result: 'hit', read });
        reflect(found.meta.position);
        return reply.header('etag', found.meta.etag).send(body);
      }
      deps.cacheLookups.inc({ cache: spec.name, result: 'miss', read });
      const point = await reader.point();
      // Tagged before it is built: if the day turns meanwhile, the tag is the older day's, so
      // the answer is built again on the next read, never served a day late.
      const tagged = tag?.(point.timezone) ?? null;
      const serialized = reply.serialize(await load(point));
      const json = typeof serialized === 'string' ? serialized : new TextDecoder().decode(serialized);
      const meta: AnswerMeta = {
        position: point.position,
        key: point.key,
        timezone: point.timezone,
        tag: tagged,
        etag: answerTag(json),
      };
      const stored = storedAnswer(meta, json);
      await cacheSafely('write', () => deps.cache.setBytes(spec.key, stored, spec.ttlSeconds), undefined);
      // Kept only when a hit's head would not hold it all.
      if (stored.length >= answerHeadBytes) {
        deps.bodies.put(spec.key, meta.etag, stored.subarray(stored.indexOf(0x0a) + 1));
      }
      return reply.header('etag', meta.etag).send(json);
    },
  };
  reply.header('cache-control', 'private, no-cache');
  return reader;
}
