import { AppError } from '@mindflow/core/errors';
import { moods, type Mood as MoodName } from '@mindflow/core/domain';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { parseSearchText, type SearchPort } from '@mindflow/core/search';
import { Type } from '@sinclair/typebox';
import { decodeCursor, encodeCursor } from '../entries/cursor.js';
import { beginRead, readHeaders, type ReadDeps } from '../http/reader.js';

const strict = { additionalProperties: false };
const errors = errorResponses(400, 401, 429, 503);
/** How deep pages may go (Elasticsearch's result window). */
const maxDepth = 10_000;
const isOffset = (key: unknown): key is [number] =>
  Array.isArray(key) &&
  key.length === 1 &&
  Number.isInteger(key[0]) &&
  (key[0] as number) > 0 &&
  (key[0] as number) < maxDepth;

const moodOf = (mood: string | null): MoodName | null =>
  mood !== null && (moods as readonly string[]).includes(mood) ? (mood as MoodName) : null;

const Counts = Type.Record(Type.String(), Type.Integer());
const Tag = Type.String({ minLength: 1, maxLength: 50 });

/** GET /v1/search and GET /v1/tags/suggest: the caller's entries only. */
export function searchRoutes(app: HttpServer, deps: ReadDeps & { readonly search: SearchPort }): void {
  app.get(
    '/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search your entries: full text with highlights, filters and facets',
        description:
          'q takes words, "quoted phrases", OR between two clauses and -word to exclude; accents and word forms are ignored ("cafe run" finds "Café running"). X-Min-Position is honoured on PostgreSQL search; Elasticsearch follows writes within about a second.',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 256 })),
            mood: Type.Optional(Type.Array(Mood, { maxItems: 6, description: 'any of these moods' })),
            tags: Type.Optional(
              Type.Array(Tag, { maxItems: 10, description: 'all of these tags (repeat or comma-separate)' }),
            ),
            from: Type.Optional(Type.String({ format: 'date' })),
            to: Type.Optional(Type.String({ format: 'date' })),
            sort: Type.Union([Type.Literal('relevance'), Type.Literal('date')], { default: 'relevance' }),
            cursor: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          strict,
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                date: Type.String({ format: 'date' }),
                title: Type.String(),
                mood: Type.Union([Mood, Type.Null()]),
                tags: Type.Array(Type.String()),
                highlights: Type.Object({
                  title: Type.Optional(Type.String({ description: 'HTML-escaped, matches in <mark>' })),
                  content: Type.Optional(Type.String({ description: 'fragments joined by " … "' })),
                }),
              }),
            ),
            facets: Type.Object({ mood: Counts, tags: Counts }),
            total: Type.Integer(),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      // X-Min-Position and X-Position speak of the read model: only when search reads it.
      if (deps.search.readsReadModel) await reader.point();
      const { q, mood, tags, from, to, sort, cursor, limit } = request.query;
      if (from !== undefined && to !== undefined && from > to) {
        throw new AppError('VALIDATION_FAILED', 'from must not be after to', {
          details: [{ path: '/from', message: 'must not be after to' }],
        });
      }
      const offset = cursor === undefined ? 0 : decodeCursor(cursor, isOffset)[0];
      const size = Math.min(limit, maxDepth - offset);
      const result = await deps.search.search(reader.userId, {
        text: q === undefined ? undefined : parseSearchText(q),
        moods: mood ?? [],
        tags: [...new Set((tags ?? []).flatMap((tag) => tag.split(',')).map((tag) => tag.trim().toLowerCase()))].filter(
          (tag) => tag.length > 0,
        ),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        sort,
        offset,
        limit: size,
      });
      const next = offset + result.items.length;
      return {
        items: result.items.map((hit) => ({ ...hit, tags: [...hit.tags], mood: moodOf(hit.mood) })),
        total: result.total,
        facets: result.facets,
        nextCursor:
          result.items.length === size && next < result.total && next < maxDepth ? encodeCursor([next]) : null,
      };
    },
  );

  app.get(
    '/v1/tags/suggest',
    {
      schema: {
        tags: ['search'],
        summary: 'Your tags that start with a prefix (autocomplete)',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object({ prefix: Type.String({ minLength: 1, maxLength: 50 }) }, strict),
        response: { 200: Type.Object({ items: Type.Array(Type.String()) }), ...errors },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      // X-Min-Position and X-Position speak of the read model: only when search reads it.
      if (deps.search.readsReadModel) await reader.point();
      return { items: await deps.search.suggestTags(reader.userId, request.query.prefix.trim().toLowerCase(), 10) };
    },
  );
}
