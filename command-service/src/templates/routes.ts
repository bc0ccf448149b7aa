import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, linkOperations, nonBlankText, type HttpServer } from '@mindflow/core/http';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { runCommand } from '../http/run-command.js';
import { CommandResult, commandHeaders, versionedCommandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import { runTemplateCommand } from './service.js';

const templateFields = {
  name: nonBlankText(100),
  title: nonBlankText(200),
  content: Type.String({ maxLength: 10_000, description: 'Markdown' }),
  tags: Type.Array(nonBlankText(50), { maxItems: 20 }),
  mood: Type.Union([Mood, Type.Null()]),
};
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = errorResponses(400, 401, 404, 409, 412, 422, 428);

/** POST /v1/templates, PATCH and DELETE /v1/templates/{id}: a writer's entry templates (their text sealed). */
export function templateRoutes(
  app: HttpServer,
  deps: { db: Kysely<WriteTables>; auth: RequestAuth; recorder: Recorder },
) {
  app.post(
    '/v1/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'Save an entry template',
        description: 'POST /v1/entries with `templateId` fills the fields its body leaves out from it.',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            name: templateFields.name,
            title: templateFields.title,
            content: templateFields.content,
            tags: Type.Optional(templateFields.tags),
            mood: Type.Optional(templateFields.mood),
          },
          { additionalProperties: false },
        ),
        response: { 201: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 201 }, (trx, call) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'CreateTemplate', templateId: randomUUID(), template: request.body },
          undefined,
          call.context,
        ),
      ),
  );

  app.patch(
    '/v1/templates/:id',
    {
      schema: {
        tags: ['templates'],
        summary: 'Change some fields of a template (If-Match required)',
        security: bearer,
        headers: versionedCommandHeaders,
        params: Params,
        body: Type.Partial(Type.Object(templateFields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'required' }, (trx, call) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'ChangeTemplate', templateId: request.params.id, changes: request.body },
          call.expectedVersion,
          call.context,
        ),
      ),
  );

  app.delete(
    '/v1/templates/:id',
    {
      schema: {
        tags: ['templates'],
        summary: 'Remove a template of yours (the built-in ones stay)',
        security: bearer,
        headers: commandHeaders,
        params: Params,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'optional' }, (trx, call) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'RemoveTemplate', templateId: request.params.id },
          call.expectedVersion,
          call.context,
        ),
      ),
  );

  const id = { 'path.id': '$response.body#/id' };
  const version = { ...id, 'header.if-match': '$response.body#/version' };
  linkOperations(
    app,
    {
      from: 'POST /v1/templates',
      status: 201,
      name: 'ChangeTemplate',
      to: 'PATCH /v1/templates/{id}',
      parameters: version,
    },
    {
      from: 'POST /v1/templates',
      status: 201,
      name: 'RemoveTemplate',
      to: 'DELETE /v1/templates/{id}',
      parameters: version,
    },
  );
}
