import type { FastifyRequest } from 'fastify';
import type { Role } from '../domain/index.js';
import { AppError } from '../errors/index.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';

/** The bearer token of a request, when it carries one in the expected shape. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  return match?.[1];
}

/** The caller of an authenticated route, from its bearer token; UNAUTHENTICATED otherwise. */
export async function authenticate(tokens: AccessTokens, request: FastifyRequest): Promise<AccessClaims> {
  const token = bearerToken(request);
  if (token === undefined)
    throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer <accessToken> header is required');
  return tokens.verify(token);
}

/** The authenticated caller; FORBIDDEN when a `role` is asked for and the caller lacks it. */
export async function authorize(tokens: AccessTokens, request: FastifyRequest, role?: Role): Promise<AccessClaims> {
  return withRole(await authenticate(tokens, request), role);
}

function withRole(caller: AccessClaims, role: Role | undefined): AccessClaims {
  if (role !== undefined && !caller.roles.includes(role))
    throw new AppError('FORBIDDEN', `this needs the ${role} role`);
  return caller;
}

/** Authentication of requests that checks each request's token once, however many hooks ask. */
export interface RequestAuth {
  /** The caller; UNAUTHENTICATED without a valid token. */
  authenticate(request: FastifyRequest): Promise<AccessClaims>;
  /** The caller; FORBIDDEN when they lack `role`. */
  authorize(request: FastifyRequest, role: Role): Promise<AccessClaims>;
  /** The caller, or undefined without a valid token (for rate limits, logs). */
  callerOf(request: FastifyRequest): Promise<AccessClaims | undefined>;
}

export function createRequestAuth(tokens: AccessTokens): RequestAuth {
  const verified = new WeakMap<FastifyRequest, Promise<AccessClaims>>();
  const once = (request: FastifyRequest) => {
    let claims = verified.get(request);
    if (claims === undefined) {
      claims = authenticate(tokens, request);
      // Handled here so that a caller who only asks callerOf() leaves no unhandled rejection.
      claims.catch(() => undefined);
      verified.set(request, claims);
    }
    return claims;
  };
  return {
    authenticate: once,
    authorize: async (request, role) => withRole(await once(request), role),
    callerOf: (request) => once(request).catch(() => undefined),
  };
}
