import { NotificationKind, NotificationSeverity } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { Cursor, decodeCursor, encodeCursor, isUuid } from '../entries/cursor.js';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const Notification = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: NotificationKind,
  severity: Type.Union([NotificationSeverity, Type.Null()], { description: 'for insight-ready' }),
  title: Type.String(),
  subjectId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'the insight (or export)' }),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const isNotificationKey = (key: unknown): key is [string, string] =>
  Array.isArray(key) &&
  key.length === 2 &&
  typeof key[0] === 'string' &&
  !Number.isNaN(Date.parse(key[0])) &&
  isUuid(key[1]);

/** GET /v1/notifications: your notifications, newest first (keyset pages), and how many are unread. */
export function notificationReadRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications, newest first, and how many are unread',
        description:
          'An insight ready (with its severity), a reminder, an achievement; keyset pages. POST /v1/notifications/{id}/read marks one read.',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            unread: Type.Optional(Type.Boolean({ description: 'only those not read yet' })),
            cursor: Type.Optional(Cursor(200)),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: readAnswer(
            Type.Object({
              items: Type.Array(Notification),
              unread: Type.Integer({ minimum: 0 }),
              nextCursor: Type.Union([Cursor(200, 'to pass as cursor for the next page'), Type.Null()]),
            }),
          ),
          ...errorResponses(400, 401, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const { unread, cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, isNotificationKey);
      let query = deps.db
        .selectFrom('notification_view')
        .select(['notification_id', 'kind', 'severity', 'title', 'subject_id', 'created_at', 'read_at'])
        .where('user_id', '=', reader.userId);
      if (unread === true) query = query.where('read_at', 'is', null);
      if (after !== undefined) {
        query = query.where(
          sql<boolean>`(created_at, notification_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
        );
      }
      const [rows, count] = await Promise.all([
        query
          .orderBy('created_at', 'desc')
          .orderBy('notification_id', 'desc')
          .limit(limit + 1)
          .execute(),
        deps.db
          .selectFrom('notification_view')
          .select((eb) => eb.fn.countAll<string>().as('unread'))
          .where('user_id', '=', reader.userId)
          .where('read_at', 'is', null)
          .executeTakeFirstOrThrow(),
      ]);
      const items = rows.slice(0, limit).map((row) => ({
        id: row.notification_id,
        kind: row.kind as (typeof Notification.static)['kind'],
        severity: row.severity as (typeof Notification.static)['severity'],
        title: row.title,
        subjectId: row.subject_id,
        createdAt: row.created_at.toISOString(),
        readAt: row.read_at?.toISOString() ?? null,
      }));
      const last = items.at(-1);
      return {
        items,
        unread: Number(count.unread),
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.createdAt, last.id]) : null,
      };
    },
  );
}
