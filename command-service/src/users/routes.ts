import { Type } from '@sinclair/typebox';
import { AppError } from '@mindflow/core/errors';
import { Language, Role, Theme } from '@mindflow/core/events';
import type { HttpServer } from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { WriteTables } from '../database.js';
import { authenticate } from '../http/authenticate.js';
import { ifMatch, sendCommandResponse } from '../http/command-reply.js';
import { requestContext } from '../http/context.js';
import { idempotencyScope, runIdempotent } from '../http/idempotency.js';
import { bearer, CommandResult, commandHeaders, errorResponses } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import { changeRole, recordConsent, toRoles, updateProfile, updateSettings } from './service.js';

const strict = { additionalProperties: false } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 412, 422);

export interface UserRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly tokens: AccessTokens;
}

export function userRoutes(app: HttpServer, deps: UserRouteDeps): void {
  app.patch(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your profile',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            displayName: Type.Optional(Type.String({ maxLength: 100 })),
            photoUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048, pattern: '^https://' }), Type.Null()])),
            timezone: Type.Optional(Type.String({ maxLength: 64 })),
            language: Type.Optional(Language),
            theme: Type.Optional(Theme),
          },
          { ...strict, minProperties: 1 },
        ),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await authenticate(deps.tokens, request);
      const expected = ifMatch(request, false);
      const context = requestContext(request, caller);
      return sendCommandResponse(
        reply,
        await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          updateProfile(deps.recorder, trx, caller.userId, expected, request.body, context),
        ),
      );
    },
  );

  app.put(
    '/v1/me/settings',
    {
      schema: {
        tags: ['me'],
        summary: 'Replace your settings (privateMode keeps everything from the AI)',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            autoSave: Type.Boolean(),
            privateMode: Type.Boolean(),
            emailWeeklyInsights: Type.Boolean(),
            emailMonthlyInsights: Type.Boolean(),
            emailReminderToWrite: Type.Boolean(),
          },
          strict,
        ),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await authenticate(deps.tokens, request);
      const context = requestContext(request, caller);
      return sendCommandResponse(
        reply,
        await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          updateSettings(deps.recorder, trx, caller.userId, request.body, context),
        ),
      );
    },
  );

  app.put(
    '/v1/me/consent',
    {
      schema: {
        tags: ['me'],
        summary: 'Record your consent (kept as a history)',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            termsVersion: Type.String({ minLength: 1, maxLength: 32 }),
            privacyPolicyVersion: Type.String({ minLength: 1, maxLength: 32 }),
            dataProcessing: Type.Boolean(),
            marketing: Type.Boolean(),
          },
          strict,
        ),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await authenticate(deps.tokens, request);
      const context = requestContext(request, caller);
      return sendCommandResponse(
        reply,
        await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          recordConsent(deps.recorder, trx, caller.userId, request.body, context),
        ),
      );
    },
  );

  const admin = async (request: Parameters<typeof authenticate>[1]) => {
    const caller = await authenticate(deps.tokens, request);
    if (!caller.roles.includes('admin')) throw new AppError('FORBIDDEN', 'this needs the admin role');
    return caller;
  };
  const UserId = Type.Object({ id: Type.String({ format: 'uuid' }) });

  app.get(
    '/v1/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Find a user by email (admin)',
        security: bearer,
        querystring: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, strict),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                email: Type.String(),
                displayName: Type.String(),
                roles: Type.Array(Type.String()),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      await admin(request);
      const rows = await deps.db
        .selectFrom('users')
        .select(['id', 'email', 'display_name', 'roles'])
        .where((eb) => eb(eb.fn('lower', ['email']), '=', request.query.email.trim().toLowerCase()))
        .where('deleted_at', 'is', null)
        .execute();
      return {
        items: rows.map((row) => ({
          id: row.id,
          email: row.email,
          displayName: row.display_name,
          roles: toRoles(row.roles),
        })),
      };
    },
  );

  app.post(
    '/v1/admin/users/:id/roles',
    {
      schema: {
        tags: ['admin'],
        summary: 'Grant a role (admin)',
        security: bearer,
        headers: commandHeaders,
        params: UserId,
        body: Type.Object({ role: Role }, strict),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await admin(request);
      const context = requestContext(request, caller);
      return sendCommandResponse(
        reply,
        await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          changeRole(deps.recorder, trx, request.params.id, request.body.role, true, context),
        ),
      );
    },
  );

  app.delete(
    '/v1/admin/users/:id/roles/:role',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a role (admin)',
        security: bearer,
        headers: commandHeaders,
        params: Type.Object({ id: Type.String({ format: 'uuid' }), role: Role }),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await admin(request);
      const context = requestContext(request, caller);
      return sendCommandResponse(
        reply,
        await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          changeRole(deps.recorder, trx, request.params.id, request.params.role, false, context),
        ),
      );
    },
  );
}
