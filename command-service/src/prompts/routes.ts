import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { promptThemes } from '@mindflow/core/domain';
import { bearer, errorResponses, linkOperations, nonBlankText, type HttpServer } from '@mindflow/core/http';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { runCommand } from '../http/run-command.js';
import { CommandResult, commandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import { runPromptCommand } from './service.js';

const errors = errorResponses(400, 401, 404, 409, 422);

/** POST /v1/prompts and DELETE /v1/prompts/{id}: a writer's own writing prompts (their text sealed). */
export function promptRoutes(
  app: HttpServer,
  deps: { db: Kysely<WriteTables>; auth: RequestAuth; recorder: Recorder },
) {
  app.post(
    '/v1/prompts',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Add a writing prompt of your own',
        description:
          'It joins the prompts of the day (GET /v1/prompts/today) from the next day on, so that the prompt of a day never changes.',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            text: nonBlankText(500),
            theme: Type.Optional(
              Type.Union([
                Type.String({ pattern: `^(${promptThemes.join('|')})$`, description: promptThemes.join(', ') }),
                Type.Null(),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 201 }, (trx, call) =>
        runPromptCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'AddPrompt', promptId: randomUUID(), text: request.body.text, theme: request.body.theme ?? null },
          call.context,
        ),
      ),
  );

  app.delete(
    '/v1/prompts/:id',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Remove a writing prompt of yours',
        security: bearer,
        headers: commandHeaders,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200 }, (trx, call) =>
        runPromptCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'RemovePrompt', promptId: request.params.id },
          call.context,
        ),
      ),
  );

  linkOperations(app, {
    from: 'POST /v1/prompts',
    status: 201,
    name: 'RemovePrompt',
    to: 'DELETE /v1/prompts/{id}',
    parameters: { 'path.id': '$response.body#/id' },
  });
}
