import { cacheKeys } from '@mindflow/core/cache';
import { localDate } from '@mindflow/core/domain';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';
import { monthCalendar, moodTrend, tagCounts } from './queries.js';

const strict = { additionalProperties: false };
const errors = errorResponses(400, 401, 429, 503);
const Percent = Type.Number({ minimum: 0, maximum: 100 });
/** The spans the mood trend is over, in days. */
const trendSpans = [7, 30, 90, 365] as const;
const defaultTrendSpan = 30;

/** GET /v1/calendar/{year}/{month}, /v1/moods/trend, /v1/tags. */
export function viewRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/calendar/:year/:month',
    {
      schema: {
        tags: ['views'],
        summary: 'Your mood calendar for a month',
        security: bearer,
        headers: readHeaders,
        params: Type.Object(
          { year: Type.Integer({ minimum: 1900, maximum: 9999 }), month: Type.Integer({ minimum: 1, maximum: 12 }) },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Object({
              year: Type.Integer(),
              month: Type.Integer(),
              days: Type.Array(
                Type.Object({
                  date: Type.String({ format: 'date' }),
                  hasEntry: Type.Boolean(),
                  mood: Type.Union([Mood, Type.Null()]),
                  entryId: Type.Union([Type.String(), Type.Null()]),
                }),
              ),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const { year, month } = request.params;
      return { year, month, days: await monthCalendar(deps.db, reader.userId, year, month) };
    },
  );

  app.get(
    '/v1/moods/trend',
    {
      schema: {
        tags: ['views'],
        summary: 'Your moods over the last 7, 30, 90 or 365 days',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            days: Type.Union(
              trendSpans.map((days) => Type.Literal(days)),
              { default: defaultTrendSpan },
            ),
          },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Object({
              days: Type.Integer(),
              from: Type.String({ format: 'date' }),
              to: Type.String({ format: 'date', description: 'today where you are' }),
              entries: Type.Integer(),
              counts: Type.Record(Type.String(), Type.Integer(), { description: 'entries per mood' }),
              positive: Percent,
              neutral: Percent,
              negative: Percent,
            }),
          ),
          ...errors,
        },
      },
      config: {
        cachedAnswerKey: (userId, { days = String(defaultTrendSpan), ...rest }) => {
          const span = trendSpans.find((known) => String(known) === days);
          return span === undefined || Object.keys(rest).length > 0 ? undefined : cacheKeys.moodTrend(userId, span).key;
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      const { days } = request.query;
      const today = (timezone: string) => localDate(new Date(), timezone);
      return reader.sendCached(
        { name: 'trend', ...cacheKeys.moodTrend(reader.userId, days) },
        async (point) => moodTrend(deps.db, reader.userId, days, today(point.timezone)),
        today,
      );
    },
  );

  app.get(
    '/v1/tags',
    {
      schema: {
        tags: ['views'],
        summary: 'Your tags, most used first',
        security: bearer,
        headers: readHeaders,
        response: {
          200: readAnswer(
            Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), count: Type.Integer() })) }),
          ),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      return { items: await tagCounts(deps.db, reader.userId) };
    },
  );
}
