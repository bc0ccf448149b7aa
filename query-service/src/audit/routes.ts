import { Readable } from 'node:stream';
import {
  auditActions,
  chainOf,
  exportLines,
  recordView,
  verifyChains,
  type AuditAction,
  type AuditFilter,
  type AuditStore,
} from '@mindflow/core/audit';
import type { RequestAuth } from '@mindflow/core/auth';
import { ruleViolation } from '@mindflow/core/domain';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { Cursor, decodeCursor, encodeCursor } from '../entries/cursor.js';
import { recordQuery } from '../http/audited.js';

export interface AuditDeps {
  readonly audit: AuditStore;
  readonly auth: RequestAuth;
  readonly logger: Logger;
}

const strict = { additionalProperties: false };
/** 422: to not after from, or a cursor of the documented form that no page gave out. */
const errors = errorResponses(400, 401, 403, 422, 429, 503);
const Instant = Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })]);
const filters = {
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'whose data' })),
  action: Type.Optional(Type.Union(auditActions.map((action) => Type.Literal(action)))),
  from: Type.Optional({ ...Instant, description: 'inclusive; a date means its start (UTC)' }),
  to: Type.Optional({ ...Instant, description: 'exclusive; a date means its start (UTC)' }),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'every word must occur in the record' })),
};
const Nullable = Type.Union([Type.String(), Type.Null()]);
const AuditRecordSchema = Type.Object({
  eventId: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  ipAddress: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  dataCategory: Type.String(),
  retention: Type.String({ description: 'ISO 8601 duration, from recordedAt' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null under legal hold' }),
  legalHold: Type.Boolean(),
  recordedAt: Type.String({ format: 'date-time' }),
  chain: Type.String({ description: 'the UTC day of recording' }),
  seq: Type.Integer(),
  prevHash: Type.String(),
  hash: Type.String(),
  pseudonyms: Type.Object(
    { userId: Nullable, actorId: Nullable, ipAddress: Nullable, userAgent: Nullable },
    { description: 'what the hash covers in place of the personal fields' },
  ),
  salt: Type.Union([Type.String(), Type.Null()]),
});

interface FilterQuery {
  userId?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  q?: string;
}

function filterOf(query: FilterQuery): AuditFilter {
  const instant = (value: string | undefined) => (value === undefined ? undefined : new Date(value));
  const filter = {
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.from === undefined ? {} : { from: instant(query.from) }),
    ...(query.to === undefined ? {} : { to: instant(query.to) }),
    ...(query.q === undefined ? {} : { text: query.q }),
  };
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    throw ruleViolation('/to', 'must be after from');
  }
  return filter;
}

const isCursorKey = (key: unknown): key is [string, string] =>
  Array.isArray(key) &&
  key.length === 2 &&
  typeof key[0] === 'string' &&
  !Number.isNaN(Date.parse(key[0])) &&
  typeof key[1] === 'string';

const description =
  'Role compliance. Every query is itself audited (AUDIT_QUERY or AUDIT_EXPORT) before it is answered.';

/** GET /v1/audit/logs, /v1/audit/export and /v1/audit/verify (role compliance). */
export function auditRoutes(app: HttpServer, deps: AuditDeps): void {
  app.get(
    '/v1/audit/logs',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit records, newest first, by user, action, time and words',
        description,
        security: bearer,
        querystring: Type.Object(
          {
            ...filters,
            cursor: Type.Optional(Cursor(500)),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          },
          strict,
        ),
        response: {
          200: Type.Object({
            items: Type.Array(AuditRecordSchema),
            nextCursor: Type.Union([Cursor(500, 'to pass as cursor for the next page'), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await deps.auth.authorize(request, 'compliance');
      const query = request.query as FilterQuery & { cursor?: string; limit: number };
      const filter = filterOf(query);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isCursorKey);
      await recordQuery(deps, request, caller, 'AUDIT_QUERY', { parameters: { ...query } });
      const items = await deps.audit.list(
        filter,
        query.limit,
        after === undefined ? undefined : { timestamp: new Date(after[0]), eventId: after[1] },
      );
      const last = items.at(-1);
      return {
        items: items.map(recordView),
        nextCursor:
          items.length < query.limit || last === undefined
            ? null
            : encodeCursor([last.timestamp.toISOString(), last.eventId]),
      };
    },
  );

  app.get(
    '/v1/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every matching audit record, oldest first, streamed as NDJSON or CSV',
        description,
        security: bearer,
        querystring: Type.Object(
          { ...filters, format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }) },
          strict,
        ),
        response: {
          200: {
            content: {
              'application/x-ndjson': { schema: Type.String({ description: 'one audit record per line' }) },
              'text/csv': { schema: Type.String({ description: 'a header, then one record per line' }) },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request, 'compliance');
      const query = request.query as FilterQuery & { format: 'ndjson' | 'csv' };
      const filter = filterOf(query);
      await recordQuery(deps, request, caller, 'AUDIT_EXPORT', { parameters: { ...query } });
      const type = query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
      // The schema's type provider expects a string; a stream is what keeps memory flat.
      return (reply as FastifyReply)
        .type(type)
        .header('content-disposition', `attachment; filename="audit.${query.format}"`)
        .send(Readable.from(exportLines(deps.audit.stream(filter), query.format)));
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Checks the hash chains of the days from..to and names the first record not as written',
        description,
        security: bearer,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date', description: 'first day (UTC); default 30 days ago' })),
            to: Type.Optional(Type.String({ format: 'date', description: 'last day (UTC), inclusive; default today' })),
          },
          strict,
        ),
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer({ description: 'records checked' }),
            chains: Type.Integer({ description: 'days with records' }),
            firstBrokenAt: Type.Optional(
              Type.Object({
                chain: Type.String(),
                seq: Type.Integer(),
                eventId: Type.Union([Type.String(), Type.Null()]),
                problem: Type.Union([Type.Literal('altered'), Type.Literal('missing'), Type.Literal('reordered')]),
                detail: Type.String(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await deps.auth.authorize(request, 'compliance');
      const query = request.query;
      const to = query.to ?? chainOf(new Date());
      const from = query.from ?? chainOf(new Date(Date.now() - 30 * 86_400_000));
      if (from > to) throw ruleViolation('/to', 'must be on or after from');
      await recordQuery(deps, request, caller, 'AUDIT_QUERY', { parameters: { from, to }, verify: true });
      return verifyChains(deps.audit.chainRecords(from, to), await deps.audit.chainHeads(from, to));
    },
  );
}
