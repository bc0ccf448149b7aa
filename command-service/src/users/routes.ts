import { Type } from '@sinclair/typebox';
import { Consent, Language, Reminders, Role, Settings, Theme } from '@mindflow/core/events';
import type { HttpServer } from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { RequestAuth, SessionStore } from '@mindflow/core/auth';
import type { WriteTables } from '@mindflow/core/write-model';
import { runCommand } from '../http/run-command.js';
import { bearer, errorResponses, nonBlankText, TimeZone } from '@mindflow/core/http';
import { CommandResult, commandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import { requestContext } from '../http/context.js';
import { eraseUser, type ErasureDeps } from './erasure.js';
import { changeRole, recordConsent, setReminders, updateProfile, updateSettings } from './service.js';
import { toRoles, type Role as RoleName } from '@mindflow/core/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';

const strict = { additionalProperties: false } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 412, 422);

export interface UserRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly auth: RequestAuth;
  /** Told of role changes: a user's roles are checked on each request, from the database. */
  readonly sessions: SessionStore;
  readonly erasure: ErasureDeps;
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
            displayName: Type.Optional(nonBlankText(100)),
            photoUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048, pattern: '^https://' }), Type.Null()])),
            timezone: Type.Optional(TimeZone),
            language: Type.Optional(Language),
            theme: Type.Optional(Theme),
          },
          { ...strict, minProperties: 1 },
        ),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'optional' }, (trx, call) =>
        updateProfile(deps.recorder, trx, call.caller.userId, call.expectedVersion, request.body, call.context),
      ),
  );

  app.delete(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'Delete your account: disabled at once, then erased everywhere',
        description:
          'Your data key is destroyed (your events become unreadable), your rows, files, search documents, cache keys and raw analytics go; the audit trail keeps actions and times under a pseudonym. The answer is the receipt.',
        security: bearer,
        body: Type.Object(
          {
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            reason: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
          },
          strict,
        ),
        response: {
          202: Type.Object({
            userId: Type.String(),
            erasedAt: Type.String({ format: 'date-time' }),
            position: Type.Integer(),
            dataKey: Type.Literal('destroyed'),
            writeDatabase: Type.Record(Type.String(), Type.Integer()),
            blobs: Type.Integer(),
            projections: Type.Record(Type.String(), Type.String()),
          }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const receipt = await eraseUser(
        deps.erasure,
        caller.userId,
        { password: request.body.password, reason: request.body.reason ?? null },
        requestContext(request, caller),
      );
      return reply.status(202).send(receipt);
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
        body: Settings,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200 }, (trx, call) =>
        updateSettings(deps.recorder, trx, call.caller.userId, request.body, call.context),
      ),
  );

  app.put(
    '/v1/me/reminders',
    {
      schema: {
        tags: ['me'],
        summary: 'Set your reminder to write',
        description:
          'At `time` in your time zone, on each of `days`, unless you have written that day: one in-app notification and live update, and an email when emailReminderToWrite is on. At most one a day.',
        security: bearer,
        headers: commandHeaders,
        body: Reminders,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200 }, (trx, call) =>
        setReminders(deps.recorder, trx, call.caller.userId, request.body, call.context),
      ),
  );

  app.put(
    '/v1/me/consent',
    {
      schema: {
        tags: ['me'],
        summary: 'Record your consent (kept as a history)',
        security: bearer,
        headers: commandHeaders,
        body: Consent,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200 }, (trx, call) =>
        recordConsent(deps.recorder, trx, call.caller.userId, request.body, call.context),
      ),
  );

  const UserId = Type.Object({ id: Type.String({ format: 'uuid' }) });
  // Roles are read from the database on each request: once the change commits, the user's cached sessions go.
  const roleChange = (request: FastifyRequest, reply: FastifyReply, userId: string, role: RoleName, grant: boolean) =>
    runCommand(
      deps,
      request,
      reply,
      { status: 200, role: 'admin', afterCommit: () => deps.sessions.forgetUser(userId) },
      (trx, call) => changeRole(deps.recorder, trx, userId, role, grant, call.context),
    );

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
      await deps.auth.authorize(request, 'admin');
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
    async (request, reply) => roleChange(request, reply, request.params.id, request.body.role, true),
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
    async (request, reply) => roleChange(request, reply, request.params.id, request.params.role, false),
  );
}
