import type { FastifyRequest } from 'fastify';
import type { Role } from '../domain/index.js';
import { AppError } from '../errors/index.js';
import type { AccessClaims, AccessTokens, TokenClaims } from './access-tokens.js';
import type { SessionStore } from './sessions.js';

/** The cookie a browser's EventSource authenticates GET /v1/stream with: the access token, sent there only. */
export const streamCookieName = 'mindflow_stream';
export const streamCookiePath = '/v1/stream';

/** The access token in the stream cookie of a request's Cookie header, if any. */
function streamCookieToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const pair of header.split(';')) {
    const [name, value] = pair.trim().split('=', 2);
    if (name === streamCookieName && value !== undefined && /^[A-Za-z0-9._~+/=-]+$/.test(value)) return value;
  }
  return undefined;
}

/** The bearer token of a request, when it carries one in the expected shape. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  return match?.[1];
}

/**
 * The claims of the request's token, without asking whether its login still stands: only for
 * naming who asked in logs. Never for access: that is `RequestAuth`'s.
 */
export async function claimedCaller(tokens: AccessTokens, request: FastifyRequest): Promise<TokenClaims | undefined> {
  const token = bearerToken(request);
  return token === undefined ? undefined : tokens.verify(token).catch(() => undefined);
}

/** Authentication of requests that checks each request's token and session once, however many hooks ask. */
export interface RequestAuth {
  /**
   * The caller; UNAUTHENTICATED without a valid token of a login that stands. The token is the
   * Authorization header's; on GET /v1/stream only, a browser's EventSource (which cannot send
   * that header) may send it in the stream cookie instead.
   */
  authenticate(request: FastifyRequest): Promise<AccessClaims>;
  /** The caller; FORBIDDEN when a `role` is asked for and the caller's user does not hold it now. */
  authorize(request: FastifyRequest, role?: Role): Promise<AccessClaims>;
  /** The caller, or undefined without a valid token (for rate limits, logs). */
  callerOf(request: FastifyRequest): Promise<AccessClaims | undefined>;
}

/**
 * Every authenticated request: a valid token (signature, issuer, audience, expiry), whose login
 * still stands in `sessions`; the roles are the user's as `sessions` holds them now, never the token's.
 */
export function createRequestAuth(tokens: AccessTokens, sessions: SessionStore): RequestAuth {
  const verified = new WeakMap<FastifyRequest, Promise<AccessClaims>>();
  const check = async (request: FastifyRequest): Promise<AccessClaims> => {
    const onStream = request.routeOptions.url === streamCookiePath;
    const token = bearerToken(request) ?? (onStream ? streamCookieToken(request) : undefined);
    if (token === undefined)
      throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer <accessToken> header is required');
    const claims = await tokens.verify(token);
    const session = await sessions.find(claims.sessionId);
    if (session?.userId !== claims.userId)
      throw new AppError('UNAUTHENTICATED', 'this login has ended (signed out, revoked or deleted): sign in again');
    return { ...claims, roles: session.roles };
  };
  const once = (request: FastifyRequest) => {
    let claims = verified.get(request);
    if (claims === undefined) {
      claims = check(request);
      // Handled here so that a caller who only asks callerOf() leaves no unhandled rejection.
      claims.catch(() => undefined);
      verified.set(request, claims);
    }
    return claims;
  };
  return {
    authenticate: once,
    authorize: async (request, role) => {
      const caller = await once(request);
      if (role !== undefined && !caller.roles.includes(role))
        throw new AppError('FORBIDDEN', `this needs the ${role} role`);
      return caller;
    },
    callerOf: (request) => once(request).catch(() => undefined),
  };
}
