import { achievements, type AchievementMeasure } from '@mindflow/core/domain';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const Code = Type.String({ pattern: '^[a-z0-9-]{1,40}$', description: 'e.g. streak-7, entries-100, first-export' });

const Achievements = Type.Object({
  items: Type.Array(
    Type.Object({
      code: Code,
      title: Type.String(),
      description: Type.String(),
      unlockedAt: Type.String({ format: 'date-time', description: 'the time of the event that earned it' }),
    }),
  ),
  next: Type.Array(
    Type.Object({
      code: Code,
      title: Type.String(),
      progress: Type.Integer({ minimum: 0 }),
      target: Type.Integer({ minimum: 1 }),
    }),
  ),
});

/** GET /v1/achievements: the caller's unlocked achievements, oldest first, and how far they are from the others. */
export function achievementRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/achievements',
    {
      schema: {
        tags: ['views'],
        summary: 'Your achievements, and how far you are from the next ones',
        description:
          'An achievement is unlocked at the command that earned it and stays unlocked (deleting an entry later does not take it back). `next` holds those not unlocked yet, with your progress toward each.',
        security: bearer,
        headers: readHeaders,
        response: { 200: readAnswer(Achievements), ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const [unlocked, totals] = await Promise.all([
        deps.db
          .selectFrom('achievement_view')
          .select(['code', 'unlocked_at'])
          .where('user_id', '=', reader.userId)
          .orderBy('unlocked_at')
          .orderBy('code')
          .execute(),
        deps.db
          .selectFrom('profile_view')
          .select(['total_entries', 'total_words', 'longest_streak'])
          .where('user_id', '=', reader.userId)
          .executeTakeFirst(),
      ]);
      const progress: Record<AchievementMeasure, number> = {
        entries: totals?.total_entries ?? 0,
        words: totals?.total_words ?? 0,
        streak: totals?.longest_streak ?? 0,
        // Counted only as far as their first one: that unlocks them.
        attachments: 0,
        exports: 0,
        goals: 0,
      };
      const known = new Map(achievements.map((achievement) => [achievement.code, achievement]));
      const items = unlocked.flatMap((row) => {
        const achievement = known.get(row.code);
        return achievement === undefined
          ? []
          : [
              {
                code: row.code,
                title: achievement.title,
                description: achievement.description,
                unlockedAt: row.unlocked_at.toISOString(),
              },
            ];
      });
      const done = new Set(unlocked.map((row) => row.code));
      const next = achievements
        .filter((achievement) => !done.has(achievement.code))
        .map(({ code, title, measure, target }) => ({
          code,
          title,
          progress: Math.min(progress[measure], target),
          target,
        }));
      return { items, next };
    },
  );
}
