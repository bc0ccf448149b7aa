import { cacheKeys } from '@mindflow/core/cache';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const statuses = ['queued', 'processing', 'completed', 'failed', 'skipped'] as const;
type Status = (typeof statuses)[number];
const isStatus = (value: unknown): value is Status => statuses.some((status) => status === value);

export const AnalysisView = Type.Object({
  status: Type.Unsafe<Status>({
    type: 'string',
    enum: [...statuses],
    description: 'skipped: private entries and private mode are never analyzed',
  }),
  entryVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'the version the analysis is of' }),
  sentiment: Type.Union([
    Type.Object({
      score: Type.Number({ minimum: -1, maximum: 1 }),
      label: Type.Unsafe<string>({ type: 'string', enum: ['positive', 'neutral', 'negative'] }),
    }),
    Type.Null(),
  ]),
  themes: Type.Array(Type.Object({ phrase: Type.String(), count: Type.Integer() })),
  language: Type.Union([Type.String(), Type.Null()], { description: 'ISO 639-1, or und' }),
  analyzedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/**
 * GET /v1/entries/{id}/analysis: the ai-worker's analysis of one of your entries. The status is
 * the worker's (`ai:queue:{entryId}`) while it has one; otherwise it follows from the read
 * model: analyzed at the entry's version, skipped when private, queued when not yet.
 */
export function analysisRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/entries/:id/analysis',
    {
      schema: {
        tags: ['entries'],
        summary: 'The sentiment, themes and language of one of your entries',
        description:
          'The ai-worker’s status for the entry (queued, processing, completed, failed, skipped) with the analysis of its current version once completed. Private entries and private mode are skipped.',
        security: bearer,
        headers: readHeaders,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 200: readAnswer(AnalysisView), ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const entryId = request.params.id;
      const [entry, profile] = await Promise.all([
        deps.db
          .selectFrom('journal_view')
          .leftJoin('entry_analysis_view as analysis', 'analysis.entry_id', 'journal_view.entry_id')
          .select([
            'journal_view.version',
            'journal_view.is_private',
            'analysis.entry_version',
            'analysis.score',
            'analysis.label',
            'analysis.themes',
            'analysis.language',
            'analysis.analyzed_at',
          ])
          .where('journal_view.entry_id', '=', entryId)
          .where('journal_view.user_id', '=', reader.userId)
          .where('journal_view.deleted_at', 'is', null)
          .executeTakeFirst(),
        deps.db.selectFrom('profile_view').select('settings').where('user_id', '=', reader.userId).executeTakeFirst(),
      ]);
      if (entry === undefined) throw new AppError('NOT_FOUND', 'no such entry');
      const excluded = entry.is_private || profile?.settings.privateMode === true;
      const analyzed = entry.entry_version !== null && !excluded;
      const worker = await deps.cache.get<unknown>(cacheKeys.analysisStatus(entryId).key);
      let status: Status;
      if (excluded) status = 'skipped';
      else if (analyzed && entry.entry_version === entry.version) status = 'completed';
      // The worker is done but the read model has not caught up: its answer is on its way.
      else if (worker === 'completed' || worker === 'skipped') status = 'processing';
      else status = isStatus(worker) ? worker : 'queued';
      return {
        status,
        entryVersion: analyzed ? entry.entry_version : null,
        sentiment:
          analyzed && entry.score !== null && entry.label !== null ? { score: entry.score, label: entry.label } : null,
        themes: analyzed ? (entry.themes ?? []) : [],
        language: analyzed ? entry.language : null,
        analyzedAt: analyzed && entry.analyzed_at !== null ? entry.analyzed_at.toISOString() : null,
      };
    },
  );
}
