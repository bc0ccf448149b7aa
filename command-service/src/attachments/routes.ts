import fastifyMultipart from '@fastify/multipart';
import { onlyFilePart } from '../http/only-file-part.js';
import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { BlobTooLarge, blobKeys, type BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import {
  bearer,
  errorResponses,
  linkOperations,
  multipartFile,
  requireMultipart,
  withinUploadDeadline,
  type HttpServer,
} from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { requestContext } from '../http/context.js';
import { CommandResult } from '../http/schemas.js';
import { inUserTransaction, type Recorder } from '../recorder.js';
import { lockEntryForAttachments, recordAttachment, removeAttachment } from './service.js';
import { attachmentTypes, maxAttachmentBytes, sniffType } from './sniff.js';
import type { UploadSettings } from './settings.js';

export interface AttachmentRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly auth: RequestAuth;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly uploads: UploadSettings;
}

export const AttachmentResult = Type.Object({
  id: Type.String({ format: 'uuid' }),
  entryId: Type.String({ format: 'uuid' }),
  fileName: Type.String(),
  contentType: Type.String({ enum: [...attachmentTypes] }),
  size: Type.Integer(),
  position: Type.Integer({ description: 'send as X-Min-Position to read your own write' }),
});

/** Links from an answer holding an attachment (AttachmentResult) to reading and removing it. */
export function linkAttachment(app: HttpServer, from: string): void {
  const parameters = { 'path.id': '$response.body#/entryId', 'path.attachmentId': '$response.body#/id' };
  linkOperations(
    app,
    { from, status: 201, name: 'GetAttachment', to: 'GET /v1/entries/{id}/attachments/{attachmentId}', parameters },
    {
      from,
      status: 201,
      name: 'RemoveAttachment',
      to: 'DELETE /v1/entries/{id}/attachments/{attachmentId}',
      parameters,
    },
  );
}

/** A file name to keep: the client's, without any path, at most 255 characters. */
export const cleanName = (name: string) =>
  (name.split(/[\\/]/).pop() ?? '').replace(/\p{Cc}/gu, '').slice(0, 255) || 'attachment';

/**
 * POST /v1/entries/{id}/attachments (multipart/form-data, one `file` field). The body streams
 * to the blob store, never whole in memory; its type is told by its bytes. A refused upload
 * (415, 413, 404) stores nothing, and a stored one that cannot be recorded is removed again.
 */
export async function attachmentRoutes(app: HttpServer, deps: AttachmentRouteDeps): Promise<void> {
  await app.register(fastifyMultipart, {
    // One byte past the limit, so that the store's own count (which removes what it wrote) is
    // what refuses an oversized file; busboy would quietly cut it at the limit instead.
    limits: { fileSize: maxAttachmentBytes + 1, files: 1, fields: 0, parts: 1 },
    throwFileSizeLimit: true,
  });

  app.post(
    '/v1/entries/:id/attachments',
    {
      schema: {
        tags: ['entries'],
        summary: 'Attach a file to one of your entries: jpeg, png, gif, webp or pdf, at most 50 MB',
        description: 'multipart/form-data with one part, the file. Its type is told by its content.',
        security: bearer,
        ...multipartFile('file', `the file: ${attachmentTypes.join(', ')}, at most 50 MB`, attachmentTypes),
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 201: AttachmentResult, ...errorResponses(400, 401, 404, 408, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const entryId = request.params.id;
      requireMultipart(request, 'send the file as multipart/form-data');
      return withinUploadDeadline(request, reply, deps.uploads, async () => {
        const { part, nothingAfter } = await onlyFilePart(request, 'file');
        // Refuse early what would be refused anyway, before a byte is stored.
        await lockEntryForAttachments(deps.db, caller.userId, entryId).catch((error: unknown) => {
          part.file.resume();
          throw error;
        });
        const { type, body } = await sniffType(part.file);
        if (type === undefined) {
          part.file.resume();
          throw new AppError(
            'UNSUPPORTED_MEDIA_TYPE',
            `only ${attachmentTypes.join(', ')}, told by the file's content`,
          );
        }
        const attachmentId = newEventId();
        const storageKey = blobKeys.attachment(caller.userId, attachmentId);
        const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 'an attachment is at most 50 MB');
        let size: number;
        try {
          size = (await deps.blobs.put(storageKey, body, { contentType: type, maxBytes: maxAttachmentBytes })).size;
        } catch (error) {
          if (error instanceof BlobTooLarge || part.file.truncated || isFileTooLarge(error)) throw tooLarge();
          throw error;
        }
        if (part.file.truncated) {
          await deps.blobs.delete(storageKey);
          throw tooLarge();
        }
        await nothingAfter().catch(async (error: unknown) => {
          await deps.blobs.delete(storageKey);
          throw error;
        });
        const attachment = {
          attachmentId,
          entryId,
          fileName: cleanName(part.filename),
          contentType: type,
          size,
          storageKey,
        };
        try {
          const { position } = await inUserTransaction(deps.db, caller.userId, (trx) =>
            recordAttachment(trx, deps.recorder, caller.userId, attachment, requestContext(request, caller)),
          );
          return await reply
            .status(201)
            .send({ id: attachmentId, entryId, fileName: attachment.fileName, contentType: type, size, position });
        } catch (error) {
          await deps.blobs.delete(storageKey).catch((cleanup: unknown) => {
            deps.logger.error({ err: cleanup, storageKey }, 'an unrecorded attachment could not be removed');
          });
          throw error;
        }
      });
    },
  );
  linkAttachment(app, 'POST /v1/entries/{id}/attachments');
}

export function attachmentRemovalRoute(app: HttpServer, deps: AttachmentRouteDeps): void {
  app.delete(
    '/v1/entries/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['entries'],
        summary: 'Remove an attachment: its file and thumbnail are deleted',
        description: 'Appends AttachmentRemoved; the entry itself keeps its version. Another user’s attachment is 404.',
        security: bearer,
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }), attachmentId: Type.String({ format: 'uuid' }) },
          { additionalProperties: false },
        ),
        response: { 200: CommandResult, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const caller = await deps.auth.authorize(request);
      const { id: entryId, attachmentId } = request.params;
      const result = await inUserTransaction(deps.db, caller.userId, (trx) =>
        removeAttachment(trx, deps.recorder, caller.userId, { entryId, attachmentId }, requestContext(request, caller)),
      );
      // Once recorded: a failure here leaves an orphan object, logged, never a dangling record.
      for (const key of [
        blobKeys.attachment(caller.userId, attachmentId),
        blobKeys.thumbnail(caller.userId, attachmentId),
      ]) {
        await deps.blobs.delete(key).catch((error: unknown) => {
          deps.logger.error({ err: error, key }, 'a removed attachment could not be deleted from the blob store');
        });
      }
      return { id: attachmentId, ...result };
    },
  );
}

function isFileTooLarge(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE';
}
