import { ruleViolation } from '@mindflow/core/domain';
import { isEntryDate, moods, type Mood as MoodName } from '@mindflow/core/domain';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { parseSearchText, type SearchPort } from '@mindflow/core/search';
import { Type } from '@sinclair/typebox';
import { Cursor, decodeCursor, encodeCursor, isUuid } from '../entries/cursor.js';
import { readModel, searchIndex } from '../http/read-position.js';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const strict = { additionalProperties: false };
const errors = errorResponses(400, 401, 429, 503);
/** How deep pages may go (Elasticsearch's result window). */
const maxDepth = 10_000;
/** Cursors: `['o', offset]` in relevance order, `['d', date, id]` (keyset) in date order. */
type SearchCursor = readonly ['o', number] | readonly ['d', string, string];
const isSearchCursor = (key: unknown): key is SearchCursor =>
  Array.isArray(key) &&
  ((key.length === 2 &&
    key[0] === 'o' &&
    Number.isInteger(key[1]) &&
    (key[1] as number) > 0 &&
    (key[1] as number) < maxDepth) ||
    (key.length === 3 && key[0] === 'd' && isEntryDate(key[1]) && isUuid(key[2])));

const moodOf = (mood: string | null): MoodName | null =>
  mood !== null && (moods as readonly string[]).includes(mood) ? (mood as MoodName) : null;

const Counts = Type.Record(Type.String(), Type.Integer());
const Tag = Type.String({ minLength: 1, maxLength: 50 });

/** GET /v1/search and GET /v1/tags/suggest: the caller's entries only. */
export function searchRoutes(app: HttpServer, deps: ReadDeps & { readonly search: SearchPort }): void {
  // What X-Min-Position waits for and X-Position speaks of: the index searched.
  const source = deps.search.readsReadModel ? readModel : searchIndex;
  app.get(
    '/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search your entries: full text with highlights, filters and facets',
        description:
          'q takes words, "quoted phrases", OR between two clauses and -word to exclude; accents and word forms are ignored ("cafe run" finds "Café running"). With X-Min-Position, the answer waits (bounded) until the search index shows that write, else 503 with Retry-After.',
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
            cursor: Type.Optional(Cursor(100)),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Object({
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
              nextCursor: Type.Union([Cursor(100, 'to pass as cursor for the next page'), Type.Null()]),
            }),
          ),
          ...errors,
          ...errorResponses(422),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply, source);
      await reader.point();
      const { q, mood, tags, from, to, sort, cursor, limit } = request.query;
      if (from !== undefined && to !== undefined && from > to) {
        throw ruleViolation('/from', 'must not be after to');
      }
      const position = cursor === undefined ? undefined : decodeCursor(cursor, isSearchCursor);
      if (position !== undefined && (position[0] === 'd') !== (sort === 'date')) {
        throw ruleViolation('/cursor', 'must come from a page in the same sort order');
      }
      const offset = position?.[0] === 'o' ? position[1] : 0;
      const after = position?.[0] === 'd' ? { date: position[1], id: position[2] } : undefined;
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
        ...(after === undefined ? {} : { after }),
        // One more than asked (within the result window): whether another page follows.
        limit: Math.min(size + 1, maxDepth - offset),
      });
      const items = result.items.slice(0, size);
      const last = items.at(-1);
      const more = result.items.length > size && last !== undefined && offset + size < maxDepth;
      let nextCursor: string | null = null;
      if (more)
        nextCursor = sort === 'date' ? encodeCursor(['d', last.date, last.id]) : encodeCursor(['o', offset + size]);
      return {
        items: items.map((hit) => ({ ...hit, tags: [...hit.tags], mood: moodOf(hit.mood) })),
        total: result.total,
        facets: result.facets,
        nextCursor,
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
        response: { 200: readAnswer(Type.Object({ items: Type.Array(Type.String()) })), ...errors },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply, source);
      await reader.point();
      return { items: await deps.search.suggestTags(reader.userId, request.query.prefix.trim().toLowerCase(), 10) };
    },
  );
}
