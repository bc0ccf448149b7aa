import type { Role } from '@mindflow/core/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { AccessClaims, RequestAuth } from '@mindflow/core/auth';
import type { WriteTables } from '@mindflow/core/write-model';
import type { RequestContext } from '../recorder.js';
import { ifMatch, sendCommandResponse } from './command-reply.js';
import { requestContext } from './context.js';
import { idempotencyScope, runIdempotent } from './idempotency.js';

export interface CommandCall {
  readonly caller: AccessClaims;
  readonly context: RequestContext;
  /** The If-Match version, when the route reads one. */
  readonly expectedVersion: number | undefined;
}

export interface CommandOptions {
  /** The status of a successful answer. */
  readonly status: number;
  /** Whether the route reads If-Match, and whether it must be there (428 otherwise). */
  readonly ifMatch?: 'required' | 'optional';
  /** A role the caller must hold (403 otherwise). */
  readonly role?: Role;
  /**
   * Who asks, when it is not the bearer token's holder: e.g. the writer a signed link names
   * (it throws when the link does not hold). The role check does not apply to them.
   */
  readonly caller?: (request: FastifyRequest) => AccessClaims;
  /** What to do once the command has committed, before the answer leaves (e.g. tell caches). */
  readonly afterCommit?: () => Promise<void>;
}

/**
 * What every authenticated command route does: authenticate the caller, check the role, read
 * If-Match, run the command in a transaction under the request's Idempotency-Key, and answer
 * `{ id, version, position }` with the new version as ETag.
 */
export async function runCommand<T extends { version: number }>(
  deps: { readonly db: Kysely<WriteTables>; readonly auth: RequestAuth },
  request: FastifyRequest,
  reply: FastifyReply,
  options: CommandOptions,
  command: (trx: Transaction<WriteTables>, call: CommandCall) => Promise<T>,
) {
  const caller = options.caller?.(request) ?? (await deps.auth.authorize(request, options.role));
  const expectedVersion = options.ifMatch === undefined ? undefined : ifMatch(request, options.ifMatch === 'required');
  const context = requestContext(request, caller);
  const response = await runIdempotent(
    deps.db,
    idempotencyScope(request, caller.userId),
    options.status,
    (trx) => command(trx, { caller, context, expectedVersion }),
    caller.userId,
  );
  await options.afterCommit?.();
  return sendCommandResponse(reply, response);
}
