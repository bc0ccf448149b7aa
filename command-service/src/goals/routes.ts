import { Type } from '@sinclair/typebox';
import type { HttpServer } from '@mindflow/core/http';
import { ownedRoutes, type OwnedRouteDeps } from '../owned/routes.js';
import { runGoalCommand } from './service.js';

const GoalKind = Type.Union([Type.Literal('entries-per-week'), Type.Literal('words-per-day'), Type.Literal('streak')], {
  description: 'entries in a week (Monday to Sunday), words in a day, or days in a row',
});
const Target = Type.Integer({
  minimum: 1,
  maximum: 100_000,
  description: 'entries-per-week: 1–7; streak: at most 3650',
});

/** POST /v1/goals, PATCH and DELETE /v1/goals/{id}: a writer's goals, each its own stream. */
export function goalRoutes(app: HttpServer, deps: OwnedRouteDeps) {
  ownedRoutes(app, deps, {
    path: '/v1/goals',
    tag: 'goals',
    name: 'Goal',
    create: {
      summary: 'Set a goal',
      description:
        'Counted in your own time zone, private entries included. `period` is the kind’s own (week, day, or null for a streak) and may be left out.',
      body: Type.Object(
        {
          kind: GoalKind,
          target: Target,
          period: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('day'), Type.Null()])),
        },
        { additionalProperties: false },
      ),
      run: (trx, call, goalId, body) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'SetGoal', goalId, ...body },
          undefined,
          call.context,
        ),
    },
    change: {
      summary: 'Change a goal’s target (If-Match required)',
      body: Type.Object({ target: Target }, { additionalProperties: false }),
      run: (trx, call, goalId, { target }) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'ChangeGoal', goalId, target },
          call.expectedVersion,
          call.context,
        ),
    },
    remove: {
      summary: 'Remove a goal',
      versioned: true,
      run: (trx, call, goalId) =>
        runGoalCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'RemoveGoal', goalId },
          call.expectedVersion,
          call.context,
        ),
    },
  });
}
