import type { RequestAuth } from '@mindflow/core/auth';
import type { AuditStore } from '@mindflow/core/audit';
import { ruleViolation } from '@mindflow/core/domain';
import { bearer, errorResponses, spreadsheetCsv, type HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordQuery } from '../http/audited.js';
import { activityWeekly, insightsSummary, moodDaily, type AnalyticsDb, type ReportQuery } from './reports.js';

export interface AnalyticsDeps {
  readonly analytics: AnalyticsDb;
  readonly audit: AuditStore;
  readonly auth: RequestAuth;
  readonly logger: Logger;
}

const strict = { additionalProperties: false };
/** 422: to before from, or a span longer than the report allows. */
const errors = errorResponses(400, 401, 403, 422, 429, 503);
const Day = Type.String({ format: 'date' });
const Cohort = Type.Optional(
  Type.Union([Type.Literal('language'), Type.Literal('timezone')], { description: 'one row per day/week and cohort' }),
);
const Count = Type.Integer();
const Average = Type.Union([Type.Number(), Type.Null()]);
const range = (maxDays: number, extra = {}) =>
  Type.Object(
    {
      from: Type.String({ format: 'date', description: 'first day, inclusive' }),
      to: Type.String({ format: 'date', description: `last day, inclusive; at most ${maxDays} days after from` }),
      by: Cohort,
      ...extra,
    },
    strict,
  );
const cohortFields = { language: Type.Optional(Type.String()), timezone: Type.Optional(Type.String()) };
const answer = (item: TSchema) => ({
  content: {
    'application/json': { schema: Type.Object({ items: Type.Array(item) }) },
    'text/csv': { schema: Type.String({ description: 'the same items, one per line, with a header' }) },
  },
});
const description =
  'Role analyst. Groups of fewer than k distinct people (10 unless configured) are left out, and when those ' +
  'would add up to fewer than k, the next smallest group of the same period too. Every query is audited.';

/** GET /v1/analytics/mood/daily, /v1/analytics/activity/weekly, /v1/analytics/insights/summary (role analyst). */
export function analyticsRoutes(app: HttpServer, deps: AnalyticsDeps): void {
  const report = (
    path: string,
    summary: string,
    maxDays: number,
    querystring: TSchema,
    item: TSchema,
    run: (query: ReportQuery & { kind?: string }) => Promise<Record<string, unknown>[]>,
  ) =>
    app.get(
      path,
      {
        schema: {
          tags: ['analytics'],
          summary,
          description,
          security: bearer,
          querystring,
          response: { 200: answer(item), ...errors },
        },
      },
      async (request, reply) => {
        const caller = await deps.auth.authorize(request, 'analyst');
        const query = request.query as ReportQuery & { kind?: string };
        const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000;
        if (!(days >= 0 && days <= maxDays)) {
          throw ruleViolation('/to', `must be on or after from, at most ${maxDays} days later`);
        }
        const items = await run(query);
        await recordQuery(deps, request, caller, 'ANALYTICS_QUERY', { parameters: { ...query }, groups: items.length });
        return respond(request, reply, items);
      },
    );

  report(
    '/v1/analytics/mood/daily',
    'Moods per day, of the whole cohort or by language or time zone',
    366,
    range(366),
    Type.Object({
      day: Day,
      ...cohortFields,
      users: Type.Integer({ description: 'distinct writers (one entry per writer per day, so also the entries)' }),
      entries: Count,
      avgMoodScore: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
      moods: Type.Record(Type.String(), Count, { description: 'entries per mood; none: entries without a mood' }),
    }),
    (query) => moodDaily(deps.analytics, query),
  );
  report(
    '/v1/analytics/activity/weekly',
    'Activity per week (Monday, UTC), of the whole cohort or by language or time zone',
    731,
    range(731),
    Type.Object({
      week: Day,
      ...cohortFields,
      users: Type.Integer({ description: 'distinct people active that week' }),
      logins: Count,
      logouts: Count,
      entriesCreated: Count,
      entriesUpdated: Count,
      entriesDeleted: Count,
      insightsViewed: Count,
      settingsUpdated: Count,
      profileUpdated: Count,
    }),
    (query) => activityWeekly(deps.analytics, query),
  );
  report(
    '/v1/analytics/insights/summary',
    'Insights per week of their period and kind, with their average figures',
    731,
    range(731, {
      kind: Type.Optional(
        Type.Union([Type.Literal('weekly'), Type.Literal('monthly'), Type.Literal('yearly'), Type.Literal('custom')]),
      ),
    }),
    Type.Object({
      week: Day,
      kind: Type.String(),
      ...cohortFields,
      users: Count,
      insights: Count,
      avgEntries: Average,
      avgWords: Average,
      avgPositive: Average,
      avgNeutral: Average,
      avgNegative: Average,
    }),
    (query) => insightsSummary(deps.analytics, query),
  );
}

/** JSON, or CSV (nested objects flattened into their own columns) when the client accepts text/csv first. */
function respond(request: FastifyRequest, reply: FastifyReply, items: Record<string, unknown>[]) {
  if (!wantsCsv(request.headers.accept)) return { items };
  const rows = items.map((item) =>
    Object.fromEntries(
      Object.entries(item).flatMap(([key, value]) =>
        typeof value === 'object' && value !== null ? Object.entries(value) : [[key, value]],
      ),
    ),
  );
  return reply.type('text/csv; charset=utf-8').send(spreadsheetCsv(rows, { header: true }));
}

function wantsCsv(accept: string | undefined): boolean {
  const first = accept?.split(',')[0]?.split(';')[0]?.trim();
  return first === 'text/csv';
}
