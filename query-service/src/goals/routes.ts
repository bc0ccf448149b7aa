import { goalStanding, localDate, type GoalKind } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const Period = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  achieved: Type.Boolean(),
});

const Goal = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('entries-per-week'), Type.Literal('words-per-day'), Type.Literal('streak')]),
  target: Type.Integer({ minimum: 1 }),
  period: Type.Union([Type.Literal('week'), Type.Literal('day'), Type.Null()]),
  version: Type.Integer({ minimum: 1, description: 'send as If-Match to change or remove it' }),
  progress: Type.Integer({ minimum: 0, description: 'entries this week, words today, or days in a row now' }),
  achieved: Type.Boolean({ description: 'the current period has reached the target' }),
  history: Type.Array(Period, { description: 'the 12 periods before this one, newest first (none for a streak)' }),
});

/** GET /v1/goals: the caller's goals with their progress, counted on their own day (private entries too). */
export function goalReadRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/goals',
    {
      schema: {
        tags: ['goals'],
        summary: 'Your goals, with their progress and the last 12 periods',
        security: bearer,
        headers: readHeaders,
        response: {
          200: readAnswer(Type.Object({ items: Type.Array(Goal) })),
          ...errorResponses(400, 401, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const [profile, goals, entries] = await Promise.all([
        deps.db.selectFrom('profile_view').select('timezone').where('user_id', '=', reader.userId).executeTakeFirst(),
        deps.db
          .selectFrom('goal_view')
          .selectAll()
          .where('user_id', '=', reader.userId)
          .where('removed', '=', false)
          .orderBy('created_at')
          .orderBy('goal_id')
          .execute(),
        deps.db
          .selectFrom('journal_view')
          .select(['entry_date as date', 'word_count as words'])
          .where('user_id', '=', reader.userId)
          .where('deleted_at', 'is', null)
          .execute(),
      ]);
      if (profile === undefined) throw new AppError('NOT_FOUND', 'no profile yet; retry with X-Min-Position');
      const today = localDate(deps.now(), profile.timezone);
      const standing = (kind: GoalKind, target: number) => {
        const { progress, achieved, history } = goalStanding({ kind, target }, entries, today);
        return { progress, achieved, history: [...history] };
      };
      return {
        items: goals.map((goal) => ({
          id: goal.goal_id,
          kind: goal.kind as GoalKind,
          target: goal.target,
          period: goal.period as 'week' | 'day' | null,
          version: goal.version,
          ...standing(goal.kind as GoalKind, goal.target),
        })),
      };
    },
  );
}
