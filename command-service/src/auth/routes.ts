import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { Consent, Language } from '@mindflow/core/events';
import { bearer, Email, errorResponses, nonBlankText, TimeZone, type HttpServer } from '@mindflow/core/http';
import { CommandResult, commandHeaders } from '../http/schemas.js';
import { sendCommandResponse } from '../http/command-reply.js';
import { requestContext } from '../http/context.js';
import { anonymous, idempotencyScope } from '../http/idempotency.js';
import { changePassword } from './password-change.js';
import {
  clearRefreshCookie,
  cookieClientHeader,
  refreshCookieName,
  refreshTokenOf,
  setRefreshCookie,
  setStreamCookie,
} from './refresh-cookie.js';
import { EmailTaken, login, logout, refresh, register, registrationAttempted, type AuthDeps } from './service.js';

const SessionTokens = {
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
};
const errors = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  409: { $ref: 'ErrorBody#' },
  429: { $ref: 'ErrorBody#' },
};
const RefreshBody = Type.Object(
  {
    refreshToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: `without it, the ${refreshCookieName} cookie's (then the ${cookieClientHeader} header is required)`,
      }),
    ),
  },
  { additionalProperties: false },
);
const cookieNote = `The refresh token is also set in the httpOnly, SameSite=Strict cookie ${refreshCookieName} (path /v1/auth; Secure over HTTPS).`;

export function authRoutes(app: HttpServer, deps: AuthDeps, auth: RequestAuth): void {
  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: Type.Object(
          {
            email: Email,
            password: Type.String({
              minLength: 12,
              maxLength: 1024,
              description: 'at least 12 characters, not the email, not a common password (422)',
            }),
            displayName: nonBlankText(100),
            timezone: Type.Optional(Type.String({ ...TimeZone, description: 'IANA time zone; default UTC' })),
            language: Type.Optional(Language),
            consent: Consent,
          },
          { additionalProperties: false },
        ),
        headers: commandHeaders,
        response: { 201: CommandResult, ...errors, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      // The password stays out of the stored fingerprint: a fast hash of it would be guessable.
      const { password, ...fingerprint } = request.body;
      const scope = idempotencyScope(request, anonymous, fingerprint);
      const context = requestContext(request);
      const answer = await register(deps, request.body, context, ['user'], scope).catch((error: unknown) => {
        // No account enumeration: a taken email is answered like a new one, and its owner is told (docs/security.md).
        if (error instanceof EmailTaken) return registrationAttempted(deps, request.body, context, scope);
        throw error;
      });
      return sendCommandResponse(reply, answer);
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: an access token and a refresh token',
        description: cookieNote,
        body: Type.Object(
          { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            ...SessionTokens,
            user: Type.Object({
              id: Type.String(),
              email: Type.String(),
              displayName: Type.String(),
              roles: Type.Array(Type.String()),
            }),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const session = await login(deps, request.body, requestContext(request));
      setRefreshCookie(request, reply, session.refreshToken, deps.refreshTokenTtlDays);
      setStreamCookie(request, reply, session.accessToken, session.expiresIn);
      return session;
    },
  );

  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for new tokens (the old one is spent)',
        description: `The token comes from the body or, without one, from the cookie. ${cookieNote} A refresh by cookie needs the ${cookieClientHeader} header and, when it sends Origin, this site's.`,
        body: RefreshBody,
        response: { 200: Type.Object(SessionTokens), ...errors, 403: { $ref: 'ErrorBody#' } },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken;
      const session = await refresh(deps, refreshTokenOf(request, fromBody), requestContext(request)).catch(
        (error: unknown) => {
          // A refused cookie is of no further use: the browser stops sending it.
          if (fromBody === undefined) clearRefreshCookie(request, reply);
          throw error;
        },
      );
      setRefreshCookie(request, reply, session.refreshToken, deps.refreshTokenTtlDays);
      setStreamCookie(request, reply, session.accessToken, session.expiresIn);
      return session;
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the login the refresh token belongs to',
        description: `The token comes from the body or, without one, from the cookie (as for a refresh); the cookie is cleared.`,
        body: RefreshBody,
        response: { 204: Type.Null(), ...errors, 403: { $ref: 'ErrorBody#' } },
      },
    },
    async (request, reply) => {
      await logout(deps, refreshTokenOf(request, request.body.refreshToken), requestContext(request));
      clearRefreshCookie(request, reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/me/password',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your password: every other login ends, this one goes on',
        description:
          'The current password is throttled like a login (429 with Retry-After). The new one follows the registration rules. Your access and refresh tokens stay valid; those of your other logins stop working within a second.',
        security: bearer,
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            newPassword: Type.String({
              minLength: 12,
              maxLength: 1024,
              description: 'at least 12 characters, not the email, not a common password, not the current one (422)',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            position: Type.Integer({ description: 'global position of PasswordChanged' }),
            sessionsEnded: Type.Integer({ description: 'how many other logins were ended' }),
          }),
          ...errorResponses(400, 401, 403, 422, 429),
        },
      },
    },
    async (request) => {
      const caller = await auth.authenticate(request);
      return changePassword(deps, caller, request.body, requestContext(request, caller));
    },
  );
}
