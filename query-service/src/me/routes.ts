import { cacheKeys } from '@mindflow/core/cache';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { localDate } from '@mindflow/core/domain';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';
import { loadProfile, ProfileView, statsToday } from './profile.js';

const errors = errorResponses(400, 401, 404, 429, 503);

/** The caller's profile view from the read model, its stats as of today. */
async function profileToday(deps: ReadDeps, userId: string): Promise<ProfileView> {
  const profile = await loadProfile(deps.db, userId);
  // Registered, but not yet in the read model (send X-Min-Position to wait for it).
  if (profile === undefined) throw new AppError('NOT_FOUND', 'no profile yet; retry with X-Min-Position');
  return { ...profile, stats: statsToday(profile, new Date()) };
}

/** What the stats of a cached answer depend on besides the profile: today's date where the caller is. */
const today = (timezone: string) => localDate(new Date(), timezone);

/** GET /v1/me and GET /v1/streaks. */
export function profileRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Your profile: account, stats, settings and consent',
        security: bearer,
        headers: readHeaders,
        response: { 200: readAnswer(ProfileView), ...errors },
      },
      config: { cachedAnswerKey: (userId) => cacheKeys.profile(userId).key },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      return reader.sendCached(
        { name: 'profile', ...cacheKeys.profile(reader.userId) },
        async () => profileToday(deps, reader.userId),
        today,
      );
    },
  );

  app.get(
    '/v1/streaks',
    {
      schema: {
        tags: ['views'],
        summary: 'Your writing streaks and totals',
        security: bearer,
        headers: readHeaders,
        response: {
          200: readAnswer(
            Type.Object({
              currentStreak: Type.Integer(),
              longestStreak: Type.Integer(),
              lastEntryDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
              totalEntries: Type.Integer(),
              totalWords: Type.Integer(),
            }),
          ),
          ...errors,
        },
      },
      config: { cachedAnswerKey: (userId) => cacheKeys.streaks(userId).key },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      return reader.sendCached(
        { name: 'streaks', ...cacheKeys.streaks(reader.userId) },
        async () => {
          const { stats } = await profileToday(deps, reader.userId);
          const { currentStreak, longestStreak, lastEntryDate, totalEntries, totalWords } = stats;
          return { currentStreak, longestStreak, lastEntryDate, totalEntries, totalWords };
        },
        today,
      );
    },
  );
}
