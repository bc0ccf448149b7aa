import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import type { BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import {
  bearer,
  errorResponses,
  multipartFile,
  requireMultipart,
  withinUploadDeadline,
  type HttpServer,
  type UploadDeadline,
} from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { requestContext } from '../http/context.js';
import { onlyFilePart } from '../http/only-file-part.js';
import type { Recorder } from '../recorder.js';
import type { Logger } from '@mindflow/core/logging';
import { readArchive, type ImportLimits } from './read.js';
import { importArchive } from './run.js';

/** The largest archive an import takes. */
export const maxImportBytes = 500 * 1024 * 1024;

const Item = Type.Object({ source: Type.String(), date: Type.String(), reason: Type.String() });
const Report = Type.Object({
  format: Type.String({ enum: ['mindflow-export', 'day-one'] }),
  dryRun: Type.Boolean(),
  created: Type.Array(
    Type.Object({ source: Type.String(), date: Type.String(), title: Type.String(), attachments: Type.Integer() }),
  ),
  skipped: Type.Array(Item),
  rejected: Type.Array(Type.Object({ source: Type.String(), reason: Type.String() })),
  habits: Type.Object(
    { created: Type.Integer(), skipped: Type.Integer() },
    { description: 'goals, templates and own prompts of a MindFlow export' },
  ),
});

/**
 * POST /v1/me/imports (multipart, one ZIP): a MindFlow export or a Day One JSON export. With
 * `?dryRun=true` nothing is written and the report says what would happen. The archive is
 * spooled to a temporary file (ZIPs are read from their end), never held in memory.
 */
export function importRoutes(
  app: HttpServer,
  deps: {
    readonly db: Kysely<WriteTables>;
    readonly recorder: Recorder;
    readonly auth: RequestAuth;
    readonly blobs: BlobStore;
    readonly uploads: UploadDeadline;
    readonly limits: ImportLimits;
    readonly logger: Logger;
  },
): void {
  app.post(
    '/v1/me/imports',
    {
      schema: {
        tags: ['me'],
        summary: 'Import a MindFlow export or a Day One export (ZIP); importing twice creates nothing new',
        description:
          'multipart/form-data with one part, the ZIP (at most 500 MB, spooled to disk). An archive past its caps (unpacked size, compression ratio, file count, JSON size: docs/security.md) is refused with 413 ARCHIVE_LIMIT_EXCEEDED before anything is stored. With ?dryRun=true nothing is written (200); otherwise 201. The report lists what was, or would be, created, skipped or rejected, and why, in words.',
        security: bearer,
        ...multipartFile('file', 'the ZIP, at most 500 MB', ['application/zip']),
        querystring: Type.Object({ dryRun: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: Report, 201: Report, ...errorResponses(400, 401, 408, 413, 415) },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      requireMultipart(request, 'send the ZIP as multipart/form-data');
      const spool = path.join(tmpdir(), `mindflow-import-${randomUUID()}.zip`);
      try {
        await withinUploadDeadline(request, reply, deps.uploads, async () => {
          const { part, nothingAfter } = await onlyFilePart(request, 'file', {
            limits: { fileSize: maxImportBytes, files: 1, fields: 0, parts: 1 },
          });
          await pipeline(part.file, createWriteStream(spool, { mode: 0o600 }));
          if (part.file.truncated) throw new AppError('PAYLOAD_TOO_LARGE', 'an import is at most 500 MB');
          await nothingAfter();
        });
        const archive = await readArchive(spool, deps.limits);
        try {
          const report = await importArchive(deps, caller.userId, archive, {
            dryRun: request.query.dryRun,
            context: requestContext(request, caller),
          });
          return await reply.status(request.query.dryRun ? 200 : 201).send(report);
        } finally {
          archive.close();
        }
      } finally {
        await rm(spool, { force: true });
      }
    },
  );
}
