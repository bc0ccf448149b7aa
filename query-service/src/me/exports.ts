import type { BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { beginRead, type ReadDeps } from '../http/reader.js';

/** An export's link lasts this long; asking again gives a fresh one. */
const linkSeconds = 900;

/** GET /v1/me/exports/{id}: an export job of yours, its progress, and once built a link to the ZIP. */
export function exportReadRoutes(app: HttpServer, deps: ReadDeps & { readonly blobs: BlobStore }): void {
  app.get(
    '/v1/me/exports/:id',
    {
      schema: {
        tags: ['me'],
        summary: 'One of your exports: its progress, and a link once it is built',
        description:
          'progress counts the entries and attachments written so far; once completed, downloadUrl is a signed link valid for 15 minutes.',
        security: bearer,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            id: Type.String(),
            status: Type.Unsafe<string>({ type: 'string', enum: ['queued', 'running', 'completed', 'failed'] }),
            progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
            requestedAt: Type.String({ format: 'date-time' }),
            completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            downloadUrl: Type.Optional(Type.String()),
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      // Jobs live on the write side, next to the worker that builds them.
      const found = await sql<{
        status: string;
        done: number;
        total: number;
        object_key: string | null;
        requested_at: Date;
        completed_at: Date | null;
      }>`select status, done, total, object_key, requested_at, completed_at from data_exports
          where id = ${request.params.id} and user_id = ${reader.userId}`.execute(deps.events);
      const job = found.rows[0];
      if (job === undefined) throw new AppError('NOT_FOUND', 'no such export');
      reply.header('cache-control', 'private, no-store');
      const answer = {
        id: request.params.id,
        status: job.status,
        progress: { done: job.done, total: job.total },
        requestedAt: job.requested_at.toISOString(),
        completedAt: job.completed_at?.toISOString() ?? null,
      };
      if (job.status !== 'completed' || job.object_key === null) return answer;
      const day = job.requested_at.toISOString().slice(0, 10);
      return {
        ...answer,
        downloadUrl: await deps.blobs.presignGet(job.object_key, {
          expiresInSeconds: linkSeconds,
          fileName: `mindflow-export-${day}.zip`,
        }),
        expiresAt: new Date(Date.now() + linkSeconds * 1000).toISOString(),
      };
    },
  );
}
