import { cacheKeys } from '@mindflow/core/cache';
import { isEntryDate, localDate } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';
import { Cursor, decodeCursor, encodeCursor, isUuid } from './cursor.js';
import { entryAtVersion, entryHistory } from './history.js';
import { entriesOnThisDay, findEntry, listEntries, ownsEntry, type EntryKey, type EntryPage } from './queries.js';
import { EntryView } from './view.js';

const strict = { additionalProperties: false };
const errors = errorResponses(400, 401, 404, 429, 503);
/** A page: also 422, a cursor of the documented form that no page gave out. */
const pageErrors = errorResponses(400, 401, 404, 422, 429, 503);
const EntryId = Type.Object({ id: Type.String({ format: 'uuid' }) }, strict);
const notFound = () => new AppError('NOT_FOUND', 'no such entry');

/** The first page of the unfiltered list is cached this long (journals:user:{id}:recent). */
const recentSize = 20;

const isEntryKey = (key: unknown): key is EntryKey =>
  Array.isArray(key) && key.length === 2 && isEntryDate(key[0]) && isUuid(key[1]);
/** Versions are PostgreSQL integers. */
const maxVersion = 2_147_483_647;
const isVersionKey = (key: unknown): key is [number] =>
  Array.isArray(key) &&
  key.length === 1 &&
  Number.isInteger(key[0]) &&
  (key[0] as number) >= 0 &&
  (key[0] as number) < maxVersion;

/** GET /v1/entries, /v1/entries/{id}, /v1/entries/{id}/history, /v1/entries/on-this-day. */
export function entryReadRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/entries',
    {
      schema: {
        tags: ['entries'],
        summary: 'List your entries, newest first (keyset pages)',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date', description: 'first date, inclusive' })),
            to: Type.Optional(Type.String({ format: 'date', description: 'last date, inclusive' })),
            mood: Type.Optional(Type.Array(Mood, { maxItems: 6, description: 'any of these moods' })),
            tag: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
                maxItems: 10,
                description: 'all of these tags',
              }),
            ),
            deleted: Type.Optional(
              Type.Boolean({ description: 'true: the trash (deleted entries, which can be restored) instead' }),
            ),
            cursor: Type.Optional(Cursor(200)),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: recentSize }),
          },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Object({
              items: Type.Array(EntryView),
              nextCursor: Type.Union([Cursor(200, 'to pass as cursor for the next page'), Type.Null()]),
            }),
          ),
          ...pageErrors,
        },
      },
      // The cached first page, when the query asks for nothing else.
      config: {
        cachedAnswerKey: (userId, query) =>
          Object.keys(query).every((name) => name === 'limit' && query[name] === String(recentSize))
            ? cacheKeys.recentJournals(userId).key
            : undefined,
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      const { from, to, mood, tag, deleted, cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, isEntryKey);
      const filter = { from, to, moods: mood, tags: tag, deleted };
      const recent =
        from === undefined && to === undefined && mood === undefined && tag === undefined && deleted !== true;
      const answer = (page: EntryPage) => ({
        items: page.items,
        nextCursor: page.next === null ? null : encodeCursor(page.next),
      });
      // The first page at its default size, the one every client opens on, is kept in the cache.
      if (recent && after === undefined && limit === recentSize) {
        return reader.sendCached({ name: 'recent', ...cacheKeys.recentJournals(reader.userId) }, async () =>
          answer(await listEntries(deps.db, reader.userId, {}, undefined, recentSize)),
        );
      }
      await reader.point();
      return answer(await listEntries(deps.db, reader.userId, filter, after, limit));
    },
  );

  app.get(
    '/v1/entries/on-this-day',
    {
      schema: {
        tags: ['entries'],
        summary: 'Your entries from this day in earlier years',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          { date: Type.Optional(Type.String({ format: 'date', description: 'default: today where you are' })) },
          strict,
        ),
        response: { 200: readAnswer(Type.Object({ date: Type.String(), items: Type.Array(EntryView) })), ...errors },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      const point = await reader.point();
      const date = request.query.date ?? localDate(new Date(), point.timezone);
      return { date, items: await entriesOnThisDay(deps.db, reader.userId, date) };
    },
  );

  app.get(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['entries'],
        summary: 'One of your entries',
        security: bearer,
        headers: readHeaders,
        params: EntryId,
        response: { 200: readAnswer(EntryView), ...errors },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const entry = await findEntry(deps.db, reader.userId, request.params.id);
      if (entry === undefined) throw notFound();
      return entry;
    },
  );

  const HistoryItem = Type.Object({
    version: Type.Integer(),
    kind: Type.Unsafe<string>({ type: 'string', enum: ['created', 'updated', 'deleted', 'restored'] }),
    at: Type.String({ format: 'date-time' }),
    actorId: Type.Union([Type.String(), Type.Null()], { description: 'who made the change' }),
    changes: Type.Record(Type.String(), Type.Unknown(), { description: 'the fields set by this version' }),
  });
  const EntryVersion = Type.Object({
    version: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actorId: Type.Union([Type.String(), Type.Null()]),
    deleted: Type.Boolean({ description: 'whether the entry was deleted at this version' }),
    entry: EntryView,
  });

  app.get(
    '/v1/entries/:id/history',
    {
      schema: {
        tags: ['entries'],
        summary: "An entry's versions, oldest first; ?version=N gives the entry as it was at version N",
        security: bearer,
        headers: readHeaders,
        params: EntryId,
        querystring: Type.Object(
          {
            version: Type.Optional(
              Type.Integer({ minimum: 1, maximum: maxVersion, description: 'time travel: the entry at this version' }),
            ),
            cursor: Type.Optional(Cursor(200)),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          strict,
        ),
        response: {
          200: readAnswer(
            Type.Union([
              Type.Object({
                items: Type.Array(HistoryItem),
                nextCursor: Type.Union([Cursor(200, 'to pass as cursor for the next page'), Type.Null()]),
              }),
              EntryVersion,
            ]),
          ),
          ...pageErrors,
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const { id } = request.params;
      const { version, cursor, limit } = request.query;
      if (!(await ownsEntry(deps.db, reader.userId, id))) throw notFound();
      if (version !== undefined) {
        const found = await entryAtVersion(deps.db, reader.userId, id, version);
        if (found === undefined) throw new AppError('NOT_FOUND', `the entry has no version ${version}`);
        return { version, ...found };
      }
      const after = cursor === undefined ? 0 : decodeCursor(cursor, isVersionKey)[0];
      const page = await entryHistory(deps.db, reader.userId, id, after, limit);
      return { items: page.items, nextCursor: page.next === null ? null : encodeCursor([page.next]) };
    },
  );
}
