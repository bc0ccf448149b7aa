import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { bearer, errorResponses, linkOperations, type HttpServer } from '@mindflow/core/http';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { runCommand } from '../http/run-command.js';
import { CommandResult, commandHeaders, versionedCommandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import { runGoalCommand } from './service.js';

const GoalKind = Type.Union([Type.Literal('entries-per-week'), Type.Literal('words-per-day'), Type.Literal('streak')], {
  description: 'entries in a week (Monday to Sunday), words in a day, or days in a row',
});
const Target = Type.Integer({
  minimum: 1,
  maximum: 100_000,
  description: 'entries-per-week: 1–7; streak: at most 3650',
});
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = errorResponses(400, 401, 404, 409, 412, 422, 428);

/** POST /v1/goals, PATCH and DELETE /v1/goals/{id}: a writer's goals, each its own stream. */
export function goalRoutes(app: HttpServer, deps: { db: Kysely<WriteTables>; auth: RequestAuth; recorder: Recorder }) {
  app.post(
    '/v1/goals',
    {
      schema: {
        tags: ['goals'],
        summary: 'Set a goal',
        description:
          'Counted in your own time zone, private entries included. `period` is the kind’s own (week, day, or null for a streak) and may be left out.',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object(
          {
            kind: GoalKind,
            target: Target,
            period: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('day'), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 201 }, (trx, call) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'SetGoal', goalId: randomUUID(), ...request.body },
          undefined,
          call.context,
        ),
      ),
  );

  app.patch(
    '/v1/goals/:id',
    {
      schema: {
        tags: ['goals'],
        summary: 'Change a goal’s target (If-Match required)',
        security: bearer,
        headers: versionedCommandHeaders,
        params: Params,
        body: Type.Object({ target: Target }, { additionalProperties: false }),
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'required' }, (trx, call) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'ChangeGoal', goalId: request.params.id, target: request.body.target },
          call.expectedVersion,
          call.context,
        ),
      ),
  );

  app.delete(
    '/v1/goals/:id',
    {
      schema: {
        tags: ['goals'],
        summary: 'Remove a goal',
        security: bearer,
        headers: commandHeaders,
        params: Params,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200, ifMatch: 'optional' }, (trx, call) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'RemoveGoal', goalId: request.params.id },
          call.expectedVersion,
          call.context,
        ),
      ),
  );

  const id = { 'path.id': '$response.body#/id' };
  const version = { ...id, 'header.if-match': '$response.body#/version' };
  linkOperations(
    app,
    { from: 'POST /v1/goals', status: 201, name: 'ChangeGoal', to: 'PATCH /v1/goals/{id}', parameters: version },
    { from: 'POST /v1/goals', status: 201, name: 'RemoveGoal', to: 'DELETE /v1/goals/{id}', parameters: version },
  );
}
