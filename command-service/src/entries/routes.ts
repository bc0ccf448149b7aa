import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { AppError } from '@mindflow/core/errors';
import type { HttpServer } from '@mindflow/core/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { WriteTables } from '../database.js';
import { authenticate } from '../http/authenticate.js';
import { requestContext } from '../http/context.js';
import { idempotencyScope, runIdempotent, type CommandResponse } from '../http/idempotency.js';
import { changeEntry, createEntry, type EntryDeps } from './service.js';

const Mood = Type.Union(
  [
    Type.Literal('ecstatic'),
    Type.Literal('happy'),
    Type.Literal('neutral'),
    Type.Literal('sad'),
    Type.Literal('anxious'),
    Type.Literal('angry'),
  ],
  { description: 'how the day felt' },
);
const entryFields = {
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, in the writer’s time zone' }),
  title: Type.String({ maxLength: 200 }),
  content: Type.String({ maxLength: 10_000, description: 'Markdown' }),
  mood: Type.Optional(Type.Union([Mood, Type.Null()])),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
  location: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  weather: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  isPrivate: Type.Optional(Type.Boolean()),
};
const EntryBody = Type.Object(entryFields, { additionalProperties: false });
const EntryPatch = Type.Partial(Type.Object(entryFields), { additionalProperties: false, minProperties: 1 });
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Result = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  position: Type.Integer({ description: 'send as X-Min-Position to read your own write' }),
});
const errors = Object.fromEntries(
  [400, 401, 404, 409, 412, 422, 428].map((status) => [status, { $ref: 'ErrorBody#' }]),
) as Record<number, { $ref: string }>;
const headers = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'the version you read, e.g. "3"' })),
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

/** The version in an If-Match header ("3", 3 or W/"3"); PRECONDITION_REQUIRED when required and absent. */
function ifMatch(request: FastifyRequest, required: boolean): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) {
    if (required) throw new AppError('PRECONDITION_REQUIRED', 'send If-Match: "<version>" with the version you read');
    return undefined;
  }
  const match = typeof header === 'string' ? /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim()) : null;
  if (match?.[1] === undefined) {
    throw new AppError('VALIDATION_FAILED', 'If-Match must be a version, e.g. "3"', {
      details: [{ path: 'headers/if-match', message: 'must be a version such as "3"' }],
    });
  }
  return Number(match[1]);
}

function send(reply: FastifyReply, response: CommandResponse<Static<typeof Result>>) {
  if (response.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(response.status).header('etag', `"${response.body.version}"`).send(response.body);
}

export function entryRoutes(
  app: HttpServer,
  deps: EntryDeps & { db: Kysely<WriteTables>; tokens: AccessTokens },
): void {
  const security = [{ bearer: [] }];

  app.post(
    '/v1/entries',
    {
      schema: {
        tags: ['entries'],
        summary: 'Write the entry of a day (one per date)',
        security,
        headers,
        body: EntryBody,
        response: { 201: Result, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await authenticate(deps.tokens, request);
      const context = requestContext(request, caller);
      const response = await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 201, (trx) =>
        createEntry(deps, trx, caller.userId, randomUUID(), request.body, context),
      );
      return send(reply, response);
    },
  );

  app.patch(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['entries'],
        summary: 'Change some fields of an entry (If-Match required)',
        security,
        headers,
        params: Params,
        body: EntryPatch,
        response: { 200: Result, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await authenticate(deps.tokens, request);
      const expected = ifMatch(request, true);
      const context = requestContext(request, caller);
      const response = await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
        changeEntry(
          deps,
          trx,
          caller.userId,
          request.params.id,
          expected,
          { type: 'UpdateEntry', changes: request.body },
          context,
        ),
      );
      return send(reply, response);
    },
  );

  for (const [method, url, type, summary] of [
    ['DELETE', '/v1/entries/:id', 'DeleteEntry', 'Delete an entry (it can be restored)'],
    ['POST', '/v1/entries/:id/restore', 'RestoreEntry', 'Restore a deleted entry'],
  ] as const) {
    app.route({
      method,
      url,
      schema: { tags: ['entries'], summary, security, headers, params: Params, response: { 200: Result, ...errors } },
      handler: async (request, reply) => {
        const caller = await authenticate(deps.tokens, request);
        const expected = ifMatch(request, false);
        const context = requestContext(request, caller);
        const response = await runIdempotent(deps.db, idempotencyScope(request, caller.userId), 200, (trx) =>
          changeEntry(deps, trx, caller.userId, request.params.id, expected, { type }, context),
        );
        return send(reply, response);
      },
    });
  }
}
