import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { unlockAchievements } from '../achievements/unlock.js';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { requestContext } from '../http/context.js';
import { inUserTransaction, type Recorder } from '../recorder.js';
import { exportStream } from '@mindflow/core/domain';

/**
 * POST /v1/me/exports: asks for a copy of everything of yours (rights of access and
 * portability). The job is queued with DataExportRequested (audited as DATA_EXPORT); a worker
 * builds the ZIP; GET /v1/me/exports/{id} shows its progress and then a link. One at a time.
 */
export function exportRoutes(
  app: HttpServer,
  deps: { readonly db: Kysely<WriteTables>; readonly recorder: Recorder; readonly auth: RequestAuth },
): void {
  app.post(
    '/v1/me/exports',
    {
      schema: {
        tags: ['me'],
        summary: 'Export all your data as a ZIP (entries as JSON and Markdown, attachments, profile, insights, audit)',
        description:
          'Answers 202 with the job id at once; follow it with GET /v1/me/exports/{id}. One export at a time (409 while one runs). Audited as DATA_EXPORT.',
        security: bearer,
        response: {
          202: Type.Object({
            id: Type.String({ format: 'uuid' }),
            status: Type.Literal('queued'),
            position: Type.Integer(),
          }),
          ...errorResponses(401, 409),
        },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const exportId = newEventId();
      const context = requestContext(request, caller);
      const position = await inUserTransaction(deps.db, caller.userId, async (trx) => {
        await trx.selectFrom('users').select('id').where('id', '=', caller.userId).forUpdate().execute();
        const pending = await trx
          .selectFrom('data_exports')
          .select('id')
          .where('user_id', '=', caller.userId)
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirst();
        if (pending !== undefined) {
          throw new AppError('CONFLICT', `an export of yours is already under way (${pending.id})`);
        }
        await trx.insertInto('data_exports').values({ id: exportId, user_id: caller.userId }).execute();
        const appended = await deps.recorder.record(trx, {
          streamId: exportStream(exportId),
          expectedVersion: 0,
          userId: caller.userId,
          events: [{ type: 'DataExportRequested', data: { exportId } }],
          context,
        });
        await unlockAchievements(deps.recorder, trx, caller.userId, { exports: 1 }, context);
        return appended.position;
      });
      return reply.status(202).send({ id: exportId, status: 'queued' as const, position });
    },
  );
}
