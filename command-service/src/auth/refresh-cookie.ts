import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@mindflow/core/errors';
import { streamCookieName, streamCookiePath } from '@mindflow/core/auth';

/** The cookie the refresh token travels in for browsers: httpOnly, SameSite=Strict, sent to /v1/auth only. */
export const refreshCookieName = 'mindflow_refresh';
/** The header a browser must send when its refresh token comes from the cookie (a cross-site form cannot). */
export const cookieClientHeader = 'x-mindflow-client';
const cookiePath = '/v1/auth';

/**
 * Sets the refresh-token cookie on a login or refresh answer: httpOnly (no script reads it),
 * SameSite=Strict (no other site's page sends it), path /v1/auth (no other route receives it),
 * Secure when the request came over HTTPS, and as long-lived as the token itself.
 */
export function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string, ttlDays: number): void {
  void reply.setCookie(refreshCookieName, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: cookiePath,
    maxAge: ttlDays * 86_400,
  });
}

/**
 * Sets the access-token cookie of live updates beside it: for a browser's EventSource, which
 * cannot send an Authorization header. Sent to GET /v1/stream only (its path), httpOnly,
 * SameSite=Strict, and no longer-lived than the token; the stream checks it like a bearer token
 * (so a logout ends it too).
 */
export function setStreamCookie(request: FastifyRequest, reply: FastifyReply, token: string, ttlSeconds: number): void {
  void reply.setCookie(streamCookieName, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: streamCookiePath,
    maxAge: ttlSeconds,
  });
}

/** Clears the session's cookies (a logout, or a refresh token that was refused). */
export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  for (const [name, path] of [
    [refreshCookieName, cookiePath],
    [streamCookieName, streamCookiePath],
  ] as const) {
    void reply.clearCookie(name, { httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', path });
  }
}

/**
 * The refresh token of a refresh or logout: the body's when it has one (every client before
 * the cookie), else the cookie's. A cookie is sent by the browser on its own, so a
 * cookie-authenticated request must also prove it comes from our page: it carries
 * `X-MindFlow-Client` (a custom header, which no cross-site form can send and no cross-site
 * script can send without a CORS preflight we never grant), and an `Origin`, when present,
 * must be this host.
 */
export function refreshTokenOf(request: FastifyRequest, bodyToken: string | undefined): string {
  if (bodyToken !== undefined) return bodyToken;
  const token = request.cookies[refreshCookieName];
  if (token === undefined || token === '') {
    throw new AppError('UNAUTHENTICATED', 'no refresh token: send refreshToken in the body, or sign in again');
  }
  const client = request.headers[cookieClientHeader];
  if (typeof client !== 'string' || client === '') {
    throw new AppError('FORBIDDEN', `a refresh by cookie needs the ${cookieClientHeader} header`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && originHost(origin) !== request.host) {
    throw new AppError('FORBIDDEN', 'a refresh by cookie must come from this site');
  }
  return token;
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
