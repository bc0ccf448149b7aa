import { Type } from '@sinclair/typebox';
import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import { bearer, errorResponses, linkOperations, type HttpServer } from '@mindflow/core/http';
import { requestContext } from '../http/context.js';
import { AttachmentResult, cleanName, linkAttachment, type AttachmentRouteDeps } from './routes.js';
import { lockEntryForAttachments, recordAttachment } from './service.js';
import { attachmentTypes, maxAttachmentBytes, sniffType, type AttachmentType } from './sniff.js';
import { inUserTransaction } from '../recorder.js';

const Params = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/**
 * Large files skip the service: POST …/attachments/uploads grants a signed PUT link straight
 * to the blob store, for the declared type and exact size, to a staging key. POST
 * …/uploads/{uploadId}/complete moves the object to its attachment key (where no link writes),
 * then checks it there (size, and type by its bytes, which must be the type declared) and
 * records it, or deletes it. So the link can never replace bytes once checked; what it writes
 * after completion, or an upload never completed, is swept once the link expires.
 */
export function attachmentUploadRoutes(app: HttpServer, deps: AttachmentRouteDeps): void {
  app.post(
    '/v1/entries/:id/attachments/uploads',
    {
      schema: {
        tags: ['entries'],
        summary: 'Get a signed link to upload a large attachment directly to storage',
        description:
          'Declare the file (name, type, exact size up to 50 MB); PUT it to the link before it expires (a body of another size is refused), then call …/uploads/{uploadId}/complete. Nothing is recorded until then; an upload not completed is removed once its link expires.',
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
            url: Type.String({
              description: 'PUT the file here, with the Content-Type header below and exactly the size declared',
            }),
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
      const { fileName, contentType, size } = request.body;
      const uploadId = newEventId();
      const expiresAt = new Date(Date.now() + deps.uploads.linkSeconds * 1000);
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
            size_bytes: size,
            expires_at: expiresAt,
          })
          .execute();
      });
      const url = await deps.blobs.presignPut(blobKeys.staging(caller.userId, uploadId), {
        expiresInSeconds: deps.uploads.linkSeconds,
        contentType,
        size,
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
      // In the user's fence, the upload row locked: two completions never interleave.
      const outcome = await inUserTransaction(deps.db, caller.userId, async (trx) => {
        const upload = await trx
          .selectFrom('attachment_uploads')
          .selectAll()
          .where('id', '=', uploadId)
          .where('user_id', '=', caller.userId)
          .where('entry_id', '=', entryId)
          .where('completed_at', 'is', null)
          .forUpdate()
          .executeTakeFirst();
        if (upload === undefined) throw new AppError('NOT_FOUND', 'no such upload');
        const key = blobKeys.attachment(caller.userId, uploadId);
        // Moved first, checked after: the bytes checked are the bytes kept, whatever the link
        // writes to the staging key meanwhile.
        const info = await deps.blobs.move(blobKeys.staging(caller.userId, uploadId), key);
        if (info === undefined) throw new AppError('CONFLICT', 'nothing has been uploaded to the link yet');
        const checked = await checkUpload(deps.blobs, key, info.size, upload);
        if (checked instanceof AppError) {
          // Deleted; the link may be used again until it expires.
          await deps.blobs.delete(key);
          return { refused: checked, attachment: undefined, position: undefined };
        }
        const attachment = {
          attachmentId: uploadId,
          entryId,
          fileName: upload.file_name,
          contentType: checked,
          size: info.size,
          storageKey: key,
        };
        // The row stays until the link expires: the sweeper then removes what it wrote since.
        await trx
          .updateTable('attachment_uploads')
          .set({ completed_at: new Date() })
          .where('id', '=', uploadId)
          .execute();
        const { position } = await recordAttachment(
          trx,
          deps.recorder,
          caller.userId,
          attachment,
          requestContext(request, caller),
        ).catch(async (error: unknown) => {
          await deps.blobs.delete(key);
          throw error;
        });
        return { refused: undefined, attachment, position };
      });
      if (outcome.refused !== undefined) throw outcome.refused;
      const { attachment, position } = outcome;
      return reply.status(201).send({
        id: uploadId,
        entryId,
        fileName: attachment.fileName,
        contentType: attachment.contentType,
        size: attachment.size,
        position,
      });
    },
  );
  linkOperations(app, {
    from: 'POST /v1/entries/{id}/attachments/uploads',
    status: 201,
    name: 'CompleteUpload',
    to: 'POST /v1/entries/{id}/attachments/uploads/{uploadId}/complete',
    parameters: { 'path.id': '$request.path.id', 'path.uploadId': '$response.body#/uploadId' },
  });
  linkAttachment(app, 'POST /v1/entries/{id}/attachments/uploads/{uploadId}/complete');
}

/** The type of the object at `key`, or why it cannot be the upload it was declared as. */
async function checkUpload(
  blobs: BlobStore,
  key: string,
  size: number,
  declared: { readonly size_bytes: string | null; readonly content_type: string },
): Promise<AttachmentType | AppError> {
  const declaredSize = declared.size_bytes === null ? undefined : Number(declared.size_bytes);
  if (size > maxAttachmentBytes || (declaredSize !== undefined && size > declaredSize))
    return new AppError('PAYLOAD_TOO_LARGE', 'the file is larger than declared, or than 50 MB');
  if (declaredSize !== undefined && size !== declaredSize)
    return new AppError('VALIDATION_FAILED', 'the file is not the size it was declared as');
  const stored = await blobs.get(key);
  if (stored === undefined) return new AppError('CONFLICT', 'nothing has been uploaded to the link yet');
  const { type, body } = await sniffType(stored);
  body.destroy();
  if (type === undefined || type !== declared.content_type)
    return new AppError('UNSUPPORTED_MEDIA_TYPE', `the file is not the ${declared.content_type} it was declared as`);
  return type;
}
