import { AppError } from '@mindflow/core/errors';
import { InsightKind } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { Cursor, decodeCursor, encodeCursor, isUuid } from '../entries/cursor.js';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const strict = { additionalProperties: false };
const errors = errorResponses(400, 401, 404, 429, 503);
/** A page: also 422, a cursor of the documented form that no page gave out. */
const pageErrors = errorResponses(400, 401, 404, 422, 429, 503);

export const InsightView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: InsightKind,
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  status: Type.Unsafe<'queued' | 'completed'>({ type: 'string', enum: ['queued', 'completed'] }),
  summary: Type.Union([Type.String(), Type.Null()]),
  stats: Type.Union([
    Type.Record(Type.String(), Type.Unknown(), {
      description:
        'entries, entriesAnalyzed, totalWords, averageWords, mostProductiveWeekday, longestStreak, moods (percentages), dominantMood, themes, milestones, suggestions, writtenBy',
    }),
    Type.Null(),
  ]),
  requestedAt: Type.String({ format: 'date-time' }),
  generatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

interface Row {
  insight_id: string;
  kind: string;
  period_from: string;
  period_to: string;
  status: 'queued' | 'completed';
  summary: string | null;
  stats: Record<string, unknown> | null;
  requested_at: Date;
  generated_at: Date | null;
}

const columns = [
  'insight_id',
  'kind',
  sql<string>`period_from::text`.as('period_from'),
  sql<string>`period_to::text`.as('period_to'),
  'status',
  'summary',
  'stats',
  'requested_at',
  'generated_at',
] as const;

const view = (row: Row) => ({
  id: row.insight_id,
  type: row.kind as (typeof InsightKind)['static'],
  from: row.period_from,
  to: row.period_to,
  status: row.status,
  summary: row.summary,
  stats: row.stats,
  requestedAt: row.requested_at.toISOString(),
  generatedAt: row.generated_at?.toISOString() ?? null,
});

const isInsightKey = (key: unknown): key is [string, string] =>
  Array.isArray(key) &&
  key.length === 2 &&
  typeof key[0] === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test(key[0]) &&
  isUuid(key[1]);

/** GET /v1/insights (newest period first, keyset pages) and GET /v1/insights/{id}: your insights only. */
export function insightRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/insights',
    {
      schema: {
        tags: ['insights'],
        summary: 'Your insights, newest period first',
        description:
          'Weekly and monthly insights written by the scheduler, and those asked for with POST /v1/insights; keyset pages.',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            type: Type.Optional(InsightKind),
            from: Type.Optional(Type.String({ format: 'date', description: 'periods ending on or after' })),
            to: Type.Optional(Type.String({ format: 'date', description: 'periods starting on or before' })),
            cursor: Type.Optional(Cursor(200)),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Object({
              items: Type.Array(InsightView),
              nextCursor: Type.Union([Cursor(200, 'to pass as cursor for the next page'), Type.Null()]),
            }),
          ),
          ...pageErrors,
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const { type, from, to, cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, isInsightKey);
      let query = deps.db.selectFrom('insight_view').select(columns).where('user_id', '=', reader.userId);
      if (type !== undefined) query = query.where('kind', '=', type);
      if (from !== undefined) query = query.where('period_to', '>=', from);
      if (to !== undefined) query = query.where('period_from', '<=', to);
      if (after !== undefined) {
        query = query.where(sql<boolean>`(period_from, insight_id) < (${after[0]}::date, ${after[1]}::uuid)`);
      }
      const rows = await query
        .orderBy('period_from', 'desc')
        .orderBy('insight_id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(view);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.from, last.id]) : null,
      };
    },
  );

  app.get(
    '/v1/insights/:id',
    {
      schema: {
        tags: ['insights'],
        summary: 'One of your insights (queued until the ai-worker has written it)',
        description:
          'The id is the one POST /v1/insights answered, or one from the list. Another user’s insight is 404.',
        security: bearer,
        headers: readHeaders,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, strict),
        response: { 200: readAnswer(InsightView), ...errors },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const row = await deps.db
        .selectFrom('insight_view')
        .select(columns)
        .where('user_id', '=', reader.userId)
        .where('insight_id', '=', request.params.id)
        .executeTakeFirst();
      if (row === undefined) throw new AppError('NOT_FOUND', 'no such insight');
      return view(row);
    },
  );
}
