import { Type } from '@sinclair/typebox';
import { blobKeys } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { requestContext } from '../http/context.js';
import { AttachmentResult, cleanName, type AttachmentRouteDeps } from './routes.js';
import { lockEntryForAttachments, recordAttachment } from './service.js';
import { attachmentTypes, maxAttachmentBytes, sniffType } from './sniff.js';
import { inUserTransaction } from '../recorder.js';

/** How long an upload link lasts. */
export const uploadLinkSeconds = 15 * 60;

const Params = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/**
 * Large files skip the service: POST …/attachments/uploads grants a signed PUT link straight
 * to the blob store; POST …/uploads/{uploadId}/complete then checks what arrived (size, and
 * type by its bytes, which must be the type declared) and records it, or deletes it.
 */
export function attachmentUploadRoutes(app: HttpServer, deps: AttachmentRouteDeps): void {
  app.post(
    '/v1/entries/:id/attachments/uploads',
    {
      schema: {
        tags: ['entries'],
        summary: 'Get a signed link to upload a large attachment directly to storage',
        description:
          'Declare the file (name, type, size up to 50 MB); PUT it to the link before it expires, then call …/uploads/{uploadId}/complete. Nothing is recorded until then.',
        security: bearer,
        params: Params,
        body: Type.Object(
          {
            fileName: Type.String({ minLength: 1, maxLength: 255 }),
            contentType: Type.String({ enum: [...attachmentTypes] }),
            size: Type.Integer({ minimum: 1, maximum: maxAttachmentBytes }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            uploadId: Type.String({ format: 'uuid' }),
            url: Type.String({ description: 'PUT the file here, with the Content-Type header below' }),
            headers: Type.Object({ 'content-type': Type.String() }),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errorResponses(400, 401, 404, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const entryId = request.params.id;
      const { fileName, contentType } = request.body;
      const uploadId = newEventId();
      const expiresAt = new Date(Date.now() + uploadLinkSeconds * 1000);
      await inUserTransaction(deps.db, caller.userId, async (trx) => {
        await lockEntryForAttachments(trx, caller.userId, entryId);
        await trx
          .insertInto('attachment_uploads')
          .values({
            id: uploadId,
            user_id: caller.userId,
            entry_id: entryId,
            file_name: cleanName(fileName),
            content_type: contentType,
            expires_at: expiresAt,
          })
          .execute();
      });
      const url = await deps.blobs.presignPut(blobKeys.attachment(caller.userId, uploadId), {
        expiresInSeconds: uploadLinkSeconds,
        contentType,
      });
      return reply
        .status(201)
        .send({ uploadId, url, headers: { 'content-type': contentType }, expiresAt: expiresAt.toISOString() });
    },
  );

  app.post(
    '/v1/entries/:id/attachments/uploads/:uploadId/complete',
    {
      schema: {
        tags: ['entries'],
        summary: 'Record an uploaded attachment once its size and type are checked',
        description:
          'The stored object is checked: its type is told by its first bytes and must be the one declared, its size at most 50 MB. If not, it is deleted and the answer is 415 or 413.',
        security: bearer,
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }), uploadId: Type.String({ format: 'uuid' }) },
          { additionalProperties: false },
        ),
        response: { 201: AttachmentResult, ...errorResponses(400, 401, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const { id: entryId, uploadId } = request.params;
      const upload = await deps.db
        .selectFrom('attachment_uploads')
        .selectAll()
        .where('id', '=', uploadId)
        .where('user_id', '=', caller.userId)
        .where('entry_id', '=', entryId)
        .executeTakeFirst();
      if (upload === undefined) throw new AppError('NOT_FOUND', 'no such upload');
      const key = blobKeys.attachment(caller.userId, uploadId);
      const info = await deps.blobs.head(key);
      if (info === undefined) throw new AppError('CONFLICT', 'nothing has been uploaded to the link yet');
      const refuse = async (error: AppError) => {
        await deps.blobs.delete(key);
        await deps.db.deleteFrom('attachment_uploads').where('id', '=', uploadId).execute();
        return error;
      };
      if (info.size > maxAttachmentBytes)
        throw await refuse(new AppError('PAYLOAD_TOO_LARGE', 'an attachment is at most 50 MB'));
      const stored = await deps.blobs.get(key);
      if (stored === undefined) throw new AppError('CONFLICT', 'nothing has been uploaded to the link yet');
      const { type, body } = await sniffType(stored);
      body.destroy();
      if (type === undefined || type !== upload.content_type) {
        throw await refuse(
          new AppError('UNSUPPORTED_MEDIA_TYPE', `the file is not the ${upload.content_type} it was declared as`),
        );
      }
      const attachment = {
        attachmentId: uploadId,
        entryId,
        fileName: upload.file_name,
        contentType: type,
        size: info.size,
        storageKey: key,
      };
      const { position } = await inUserTransaction(deps.db, caller.userId, async (trx) => {
        await trx.deleteFrom('attachment_uploads').where('id', '=', uploadId).execute();
        return recordAttachment(trx, deps.recorder, caller.userId, attachment, requestContext(request, caller));
      });
      return reply
        .status(201)
        .send({ id: uploadId, entryId, fileName: upload.file_name, contentType: type, size: info.size, position });
    },
  );
}
