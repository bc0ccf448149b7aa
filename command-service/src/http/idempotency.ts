import { createHash } from 'node:crypto';
import { AppError } from '@mindflow/core/errors';
import type { FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { enterFence } from '../recorder.js';

export interface IdempotencyScope {
  readonly userId: string;
  readonly key: string;
  /** A digest of what the request asks for: the same key with another request is refused. */
  readonly requestHash: string;
}

export interface CommandResponse<T> {
  readonly status: number;
  readonly body: T;
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

/** Keys of requests made before signing in (registration) share this scope. */
export const anonymous = '00000000-0000-0000-0000-000000000000';

/**
 * The caller's Idempotency-Key for this request, if it sent one. `fingerprint` is what is
 * hashed to recognise the same request again (default: the body); leave secrets out of it.
 */
export function idempotencyScope(
  request: FastifyRequest,
  userId: string,
  fingerprint: unknown = request.body,
): IdempotencyScope | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1–255 characters', {
      details: [{ path: 'headers/idempotency-key', message: 'must be 1–255 characters' }],
    });
  }
  const requestHash = createHash('sha256')
    .update(
      // The whole URL: a query names what is asked too (an unsubscribe link's token, say).
      `${request.method} ${request.url}\n${request.headers['if-match'] ?? ''}\n${JSON.stringify(fingerprint ?? null)}`,
    )
    .digest('base64url');
  return { userId, key, requestHash };
}

/**
 * Runs a command in a transaction that also records its response under the Idempotency-Key,
 * so that a retry gets the original response and causes nothing. A concurrent duplicate waits
 * on the key's row until the first commits, then gets its answer. A failed command records
 * nothing (its transaction rolls back), so it may be retried.
 */
export async function runIdempotent<T>(
  db: Kysely<WriteTables>,
  scope: IdempotencyScope | undefined,
  status: number,
  command: (trx: Transaction<WriteTables>) => Promise<T>,
  /** The user the command acts for: their erasure fence is entered before anything else. */
  fenceUser?: string,
): Promise<CommandResponse<T>> {
  return db.transaction().execute(async (trx) => {
    if (fenceUser !== undefined) await enterFence(trx, fenceUser);
    if (scope === undefined) return { status, body: await command(trx), replayed: false };
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({
        user_id: scope.userId,
        key: scope.key,
        request_hash: scope.requestHash,
        status_code: null,
        response_body: null,
      })
      .onConflict((conflict) => conflict.columns(['user_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed === undefined) {
      const earlier = await trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response_body'])
        .where('user_id', '=', scope.userId)
        .where('key', '=', scope.key)
        .executeTakeFirstOrThrow();
      if (earlier.request_hash !== scope.requestHash || earlier.status_code === null) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for another request');
      }
      return { status: earlier.status_code, body: earlier.response_body as T, replayed: true };
    }
    const body = await command(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ status_code: status, response_body: JSON.stringify(body) })
      .where('user_id', '=', scope.userId)
      .where('key', '=', scope.key)
      .execute();
    return { status, body, replayed: false };
  });
}
