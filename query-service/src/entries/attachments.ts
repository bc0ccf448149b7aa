import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

/** Download links live this long: enough to start a download, too short to pass around. */
export const downloadLinkSeconds = 300;

const Download = Type.Object({
  id: Type.String({ format: 'uuid' }),
  fileName: Type.Union([Type.String(), Type.Null()]),
  contentType: Type.String(),
  size: Type.Integer(),
  downloadUrl: Type.String({ description: 'a signed GET link' }),
  thumbnailUrl: Type.Union([Type.String(), Type.Null()], { description: 'for images, once their thumbnail exists' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

interface ListedAttachment {
  id: string;
  fileName: string | null;
  contentType: string;
  size: number;
  thumbnail: boolean;
}

/**
 * GET /v1/entries/{id}/attachments/{attachmentId}: short-lived signed links to one of your
 * attachments (and its thumbnail). Only the entry's owner gets them; the links carry no token.
 */
export function attachmentReadRoutes(app: HttpServer, deps: ReadDeps & { readonly blobs: BlobStore }): void {
  app.get(
    '/v1/entries/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['entries'],
        summary: 'Signed links to download one of your attachments',
        description:
          'The links expire after 5 minutes; ask again for fresh ones. Only the owner gets them: another user’s attachment is 404.',
        security: bearer,
        headers: readHeaders,
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }), attachmentId: Type.String({ format: 'uuid' }) },
          { additionalProperties: false },
        ),
        response: { 200: readAnswer(Download), ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const { id, attachmentId } = request.params;
      const row = await deps.db
        .selectFrom('journal_view')
        .select(
          sql<ListedAttachment | null>`(select item from jsonb_array_elements(attachments) item
                                               where item->>'id' = ${attachmentId})`.as('attachment'),
        )
        .where('entry_id', '=', id)
        .where('user_id', '=', reader.userId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      const attachment = row?.attachment;
      if (attachment === null || attachment === undefined) throw new AppError('NOT_FOUND', 'no such attachment');
      const link = { expiresInSeconds: downloadLinkSeconds };
      const [downloadUrl, thumbnailUrl] = await Promise.all([
        deps.blobs.presignGet(blobKeys.attachment(reader.userId, attachmentId), {
          ...link,
          ...(attachment.fileName === null ? {} : { fileName: attachment.fileName }),
        }),
        attachment.thumbnail ? deps.blobs.presignGet(blobKeys.thumbnail(reader.userId, attachmentId), link) : null,
      ]);
      reply.header('cache-control', 'private, no-store');
      return {
        id: attachmentId,
        fileName: attachment.fileName,
        contentType: attachment.contentType,
        size: attachment.size,
        downloadUrl,
        thumbnailUrl,
        expiresAt: new Date(Date.now() + downloadLinkSeconds * 1000).toISOString(),
      };
    },
  );
}
