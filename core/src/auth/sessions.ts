import type { Kysely } from 'kysely';
import { toRoles, type Role } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import type { RedisConnection } from '../redis/index.js';
import type { WriteTables } from '../write-model/index.js';

/** A login that may act: whose it is, the roles its user holds now, and when it ends. */
export interface ActiveSession {
  readonly userId: string;
  readonly roles: readonly Role[];
  /** When the login ends, in ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Whether a login (a refresh-token family) still stands. The write database is the truth: a
 * session is active while one of its refresh tokens is neither revoked nor expired and its user
 * is not erased. In front of it, a cache in each process (entries live `localTtlMs`, 500 ms) and,
 * when configured, `session:{id}` in Redis shared by every process.
 *
 * @example
 *   const sessions = createSessionStore(db, { redis, logger });
 *   const session = await sessions.find(claims.sessionId); // undefined: refuse the token
 *   // after a revocation or a role change commits:
 *   await sessions.forget([sessionId]); // or sessions.forgetUser(userId)
 */
export interface SessionStore {
  /** The session, when it stands; undefined when it is revoked, expired, unknown or its user erased. */
  find(sessionId: string): Promise<ActiveSession | undefined>;
  /**
   * Call once a revocation or a role change has committed: no cache answers for these sessions
   * again without asking the database. Never throws; Redis writes that fail are retried.
   */
  forget(sessionIds: readonly string[]): Promise<void>;
  /** `forget` every login of the user that still stands (after a role change, say). */
  forgetUser(userId: string): Promise<void>;
  /** Stops retrying what Redis missed. */
  close(): void;
}

export interface SessionStoreOptions {
  /** Through its breaker: with Redis away, every check asks the database at once. */
  readonly redis?: RedisConnection | undefined;
  readonly logger?: Logger | undefined;
  /** How long a process trusts what it last learnt of a session (default 500 ms; at most 1 s). */
  readonly localTtlMs?: number;
}

/** The Redis key of a session (the storage design's `session:{id}`). */
export const sessionKey = (sessionId: string) => `session:${sessionId}`;

/** An active session stays in Redis this long at most, so that a lost invalidation cannot outlive it. */
const redisTtlSeconds = 300;
/** A revoked or unknown session stays known as such this long. */
const goneTtlSeconds = 3_600;
/**
 * After `forget`, the key holds `stale` this long: readers ask the database and may not cache
 * what they read (SET NX fails), so a read that began before the commit cannot bring the old
 * state back. Far longer than any such read.
 */
const staleTtlSeconds = 10;
const gone = 'gone';
const stale = 'stale';
const localLimit = 10_000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads `session:{id}`: an active session, gone, stale (ask the database), or nothing. */
function parseCached(value: string | null): ActiveSession | typeof gone | typeof stale | undefined {
  if (value === null) return undefined;
  if (value === gone || value === stale) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { userId, roles, expiresAt } = parsed as Record<string, unknown>;
    if (typeof userId !== 'string' || typeof expiresAt !== 'number' || !Array.isArray(roles)) return undefined;
    return { userId, expiresAt, roles: toRoles(roles.filter((role): role is string => typeof role === 'string')) };
  } catch {
    return undefined;
  }
}

/** The session as the write database holds it. */
async function fromDatabase(db: Kysely<WriteTables>, sessionId: string): Promise<ActiveSession | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .innerJoin('users', 'users.id', 'refresh_tokens.user_id')
    .select(['users.id', 'users.roles', 'refresh_tokens.expires_at'])
    .where('refresh_tokens.family_id', '=', sessionId)
    .where('refresh_tokens.revoked_at', 'is', null)
    .where('refresh_tokens.expires_at', '>', new Date())
    .where('users.deleted_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { userId: row.id, roles: toRoles(row.roles), expiresAt: row.expires_at.getTime() };
}

/** The session ids of a user's logins that still stand (to `forget` after a change that concerns them all). */
export async function sessionIdsOf(db: Kysely<WriteTables>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('refresh_tokens')
    .select('family_id')
    .distinct()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((row) => row.family_id);
}

export function createSessionStore(db: Kysely<WriteTables>, options: SessionStoreOptions = {}): SessionStore {
  const { redis, logger } = options;
  const localTtlMs = Math.min(options.localTtlMs ?? 500, 1_000);
  const local = new Map<string, { readonly session: ActiveSession | undefined; readonly until: number }>();
  // Sessions whose `stale` mark Redis did not take, retried until their cached state would have expired.
  const pending = new Map<string, number>();
  let retry: NodeJS.Timeout | undefined;

  const remember = (sessionId: string, session: ActiveSession | undefined) => {
    if (local.size >= localLimit) local.delete(local.keys().next().value ?? '');
    local.set(sessionId, { session, until: Date.now() + localTtlMs });
  };

  const markStale = async (sessionIds: readonly string[]) => {
    if (redis === undefined || sessionIds.length === 0) return;
    const results = await redis.breaker.run(() => {
      const batch = redis.redis.multi();
      for (const id of sessionIds) batch.set(sessionKey(id), stale, 'EX', staleTtlSeconds);
      return batch.exec();
    });
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw failed ?? new Error('the Redis transaction was discarded');
  };

  const retryPending = () => {
    retry = undefined;
    const now = Date.now();
    for (const [id, until] of pending) if (until < now) pending.delete(id);
    const ids = [...pending.keys()];
    if (ids.length === 0) return;
    markStale(ids).then(
      () => {
        for (const id of ids) pending.delete(id);
        logger?.info({ sessions: ids.length }, 'sessions: Redis took the revocations it had missed');
      },
      () => undefined,
    );
    retry = setTimeout(retryPending, 1_000).unref();
  };

  /** Redis's answer, or undefined (ask the database) when Redis does not answer. */
  const cached = async (client: RedisConnection, sessionId: string) => {
    try {
      return { value: parseCached(await client.breaker.run(() => client.redis.get(sessionKey(sessionId)))) };
    } catch (error) {
      logger?.debug({ err: error }, 'sessions: Redis did not answer; asking the database');
      return undefined;
    }
  };

  const store = async (sessionId: string, session: ActiveSession | undefined) => {
    const ttl = session === undefined ? goneTtlSeconds : Math.min(redisTtlSeconds, secondsUntil(session.expiresAt));
    if (redis === undefined || ttl <= 0) return;
    // NX: a `stale` mark (a revocation just committed) is never overwritten by what this read saw.
    await redis.breaker
      .run(() =>
        redis.redis.set(sessionKey(sessionId), session === undefined ? gone : JSON.stringify(session), 'EX', ttl, 'NX'),
      )
      .catch((error: unknown) => logger?.warn({ err: error }, 'sessions: Redis did not keep a session'));
  };

  const find = async (sessionId: string): Promise<ActiveSession | undefined> => {
    if (!uuid.test(sessionId)) return undefined;
    const known = local.get(sessionId);
    if (known !== undefined && known.until > Date.now()) return live(known.session);
    const shared = redis === undefined ? { value: undefined } : await cached(redis, sessionId);
    if (shared?.value === gone) {
      remember(sessionId, undefined);
      return undefined;
    }
    if (typeof shared?.value === 'object') {
      remember(sessionId, shared.value);
      return live(shared.value);
    }
    const session = await fromDatabase(db, sessionId);
    remember(sessionId, session);
    // Redis answered without the session: keep what the database said (unless marked stale).
    if (shared !== undefined && shared.value === undefined) await store(sessionId, session);
    return session;
  };

  const forget = async (sessionIds: readonly string[]) => {
    for (const id of sessionIds) local.delete(id);
    try {
      await markStale(sessionIds);
    } catch (error) {
      logger?.warn(
        { err: error, sessions: sessionIds.length },
        'sessions: Redis missed revocations; retrying every second',
      );
      const until = Date.now() + redisTtlSeconds * 1_000;
      for (const id of sessionIds) pending.set(id, until);
      retry ??= setTimeout(retryPending, 1_000).unref();
    }
  };

  return {
    find,
    forget,
    forgetUser: async (userId) => forget(await sessionIdsOf(db, userId)),
    close: () => {
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
    },
  };
}

const live = (session: ActiveSession | undefined) =>
  session !== undefined && session.expiresAt > Date.now() ? session : undefined;

const secondsUntil = (time: number) => Math.floor((time - Date.now()) / 1_000);
