import { cacheKeys } from '@mindflow/core/cache';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps, type Reader } from '../http/reader.js';
import { loadProfile, ProfileView, statsToday } from './profile.js';

const errors = errorResponses(400, 401, 404, 429, 503);

/** The caller's profile view, from the cache (user:{id}:profile) or the read model. */
async function profileOf(deps: ReadDeps, reader: Reader): Promise<ProfileView> {
  const profile = await reader.cached({ name: 'profile', ...cacheKeys.profile(reader.userId) }, async () =>
    loadProfile(deps.db, reader.userId),
  );
  // Registered, but not yet in the read model (send X-Min-Position to wait for it).
  if (profile === undefined) throw new AppError('NOT_FOUND', 'no profile yet; retry with X-Min-Position');
  return { ...profile, stats: statsToday(profile, new Date()) };
}

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
    },
    async (request, reply) => profileOf(deps, await beginRead(deps, request, reply)),
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
    },
    async (request, reply) => {
      const { stats } = await profileOf(deps, await beginRead(deps, request, reply));
      const { currentStreak, longestStreak, lastEntryDate, totalEntries, totalWords } = stats;
      return { currentStreak, longestStreak, lastEntryDate, totalEntries, totalWords };
    },
  );
}
