import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Mood, promptIdPattern } from '@mindflow/core/events';
import type { HttpServer } from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { RequestAuth } from '@mindflow/core/auth';
import type { WriteTables } from '@mindflow/core/write-model';
import { runCommand } from '../http/run-command.js';
import { bearer, EntryDate, errorResponses, linkOperations, nonBlankText } from '@mindflow/core/http';
import { CommandResult, commandHeaders, versionedCommandHeaders } from '../http/schemas.js';
import { changeEntry, createEntry, type EntryDeps } from './service.js';
import { fromTemplate } from './from-template.js';

const entryFields = {
  date: Type.String({ ...EntryDate, description: 'YYYY-MM-DD from 1900 to 2999, in the writer’s time zone' }),
  title: nonBlankText(200),
  content: Type.String({ maxLength: 10_000, description: 'Markdown' }),
  mood: Type.Optional(Type.Union([Mood, Type.Null()], { description: 'how the day felt' })),
  tags: Type.Optional(Type.Array(nonBlankText(50), { maxItems: 20 })),
  location: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  weather: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  isPrivate: Type.Optional(Type.Boolean()),
};
const EntryBody = Type.Object(
  {
    ...entryFields,
    title: Type.Optional(entryFields.title),
    content: Type.Optional(entryFields.content),
    promptId: Type.Optional(
      Type.String({ pattern: promptIdPattern, description: 'the prompt it is written from (GET /v1/prompts/today)' }),
    ),
    templateId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'a template of yours or a built-in one (GET /v1/templates): it fills the fields left out',
      }),
    ),
  },
  { additionalProperties: false, description: 'title and content are required unless templateId gives them' },
);
const EntryPatch = Type.Partial(Type.Object(entryFields), { additionalProperties: false, minProperties: 1 });
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = errorResponses(400, 401, 404, 409, 412, 413, 422, 428);

export function entryRoutes(app: HttpServer, deps: EntryDeps & { db: Kysely<WriteTables>; auth: RequestAuth }): void {
  const security = bearer;

  app.post(
    '/v1/entries',
    {
      schema: {
        tags: ['entries'],
        summary: 'Write the entry of a day (one per date)',
        security,
        headers: commandHeaders,
        body: EntryBody,
        response: { 201: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 201 }, async (trx, { caller, context }) =>
        createEntry(
          deps,
          trx,
          caller.userId,
          randomUUID(),
          await fromTemplate(trx, caller.userId, request.body),
          context,
          { fresh: true },
        ),
      ),
  );

  app.patch(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['entries'],
        summary: 'Change some fields of an entry (If-Match required)',
        security,
        headers: versionedCommandHeaders,
        params: Params,
        body: EntryPatch,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'required' }, (trx, call) =>
        changeEntry(
          deps,
          trx,
          call.caller.userId,
          request.params.id,
          call.expectedVersion,
          { type: 'UpdateEntry', changes: request.body },
          call.context,
        ),
      ),
  );

  for (const [method, url, type, summary] of [
    ['DELETE', '/v1/entries/:id', 'DeleteEntry', 'Delete an entry (it can be restored)'],
    ['POST', '/v1/entries/:id/restore', 'RestoreEntry', 'Restore a deleted entry'],
  ] as const) {
    app.route({
      method,
      url,
      schema: {
        tags: ['entries'],
        summary,
        security,
        headers: commandHeaders,
        params: Params,
        response: { 200: CommandResult, ...errors },
      },
      handler: async (request, reply) =>
        runCommand(deps, request, reply, { status: 200, ifMatch: 'optional' }, (trx, call) =>
          changeEntry(deps, trx, call.caller.userId, request.params.id, call.expectedVersion, { type }, call.context),
        ),
    });
  }
  // An entry's id (and version) lead to everything about it.
  const id = { 'path.id': '$response.body#/id' };
  const version = { ...id, 'header.if-match': '$response.body#/version' };
  const targets: readonly (readonly [string, string, Record<string, string>])[] = [
    ['GetEntry', 'GET /v1/entries/{id}', id],
    ['ChangeEntry', 'PATCH /v1/entries/{id}', version],
    ['DeleteEntry', 'DELETE /v1/entries/{id}', version],
    ['RestoreEntry', 'POST /v1/entries/{id}/restore', version],
    ['EntryHistory', 'GET /v1/entries/{id}/history', id],
    ['EntryAnalysis', 'GET /v1/entries/{id}/analysis', id],
    ['AttachFile', 'POST /v1/entries/{id}/attachments', id],
    ['AskUploadLink', 'POST /v1/entries/{id}/attachments/uploads', id],
  ];
  for (const [from, status] of [
    ['POST /v1/entries', 201],
    ['PATCH /v1/entries/{id}', 200],
  ] as const) {
    linkOperations(app, ...targets.map(([name, to, parameters]) => ({ from, status, name, to, parameters })));
  }
}
