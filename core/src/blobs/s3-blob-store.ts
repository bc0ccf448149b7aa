import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Connection } from '../s3/index.js';
import { byteLimit } from './limit.js';
import { BlobTooLarge, checkKey, type BlobInfo, type BlobStore } from './types.js';

/** 8 MiB parts, two in flight: at most ~16 MiB of an upload in memory, whatever its size. */
const partSize = 8 * 1024 * 1024;
const queueSize = 2;

const isMissing = (error: unknown) => error instanceof NoSuchKey || error instanceof NotFound;

/**
 * The blob port on S3 (any S3-compatible store), one bucket. Each single request goes through
 * the connection's breaker (its short time-out; at once while open: 503 ENGINE_UNAVAILABLE for a
 * route); a streamed upload and a listing only fail at once while it is open.
 */
export function createS3BlobStore(s3: Pick<S3Connection, 'client' | 'breaker'>, bucket: string): BlobStore {
  const { client, breaker } = s3;
  return {
    adapter: 's3',
    async put(key, body, options) {
      breaker.refuseWhileOpen();
      const limit = byteLimit(options.maxBytes);
      body.on('error', (error) => limit.destroy(error));
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: checkKey(key), Body: body.pipe(limit), ContentType: options.contentType },
        partSize,
        queueSize,
        // A failed multipart upload is aborted: no parts stay behind in the bucket.
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        if (limit.errored instanceof BlobTooLarge) throw limit.errored;
        throw error;
      }
      return { size: limit.bytes(), contentType: options.contentType };
    },
    async get(key) {
      try {
        const object = await breaker.run(() =>
          client.send(new GetObjectCommand({ Bucket: bucket, Key: checkKey(key) })),
        );
        return object.Body as Readable | undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async head(key): Promise<BlobInfo | undefined> {
      try {
        const object = await breaker.run(() =>
          client.send(new HeadObjectCommand({ Bucket: bucket, Key: checkKey(key) })),
        );
        return { size: object.ContentLength ?? 0, contentType: object.ContentType ?? 'application/octet-stream' };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async move(from, to) {
      // A server-side copy reads one version of the object: a PUT to `from` during or after it
      // makes a new object there, never a change to `to`.
      try {
        await breaker.run(() =>
          client.send(
            new CopyObjectCommand({ Bucket: bucket, CopySource: `${bucket}/${checkKey(from)}`, Key: checkKey(to) }),
          ),
        );
      } catch (error) {
        if (isMissing(error) || (error as { name?: unknown }).name === 'NoSuchKey') return undefined;
        throw error;
      }
      await this.delete(from);
      return this.head(to);
    },
    async delete(key) {
      await breaker.run(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkKey(key) })));
    },
    async deletePrefix(prefix) {
      let removed = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const objects = batch.map((Key) => ({ Key }));
        await breaker.run(() =>
          client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })),
        );
        removed += batch.length;
        batch = [];
      };
      for await (const key of this.list(prefix)) {
        batch.push(key);
        if (batch.length === 1000) await flush();
      }
      await flush();
      return removed;
    },
    async *list(prefix) {
      breaker.refuseWhileOpen();
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      }
    },
    presignGet: (key, options) =>
      getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: checkKey(key),
          ...(options.fileName === undefined
            ? {}
            : { ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(options.fileName)}` }),
        }),
        { expiresIn: options.expiresInSeconds },
      ),
    presignPut: (key, options) =>
      getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: bucket,
          Key: checkKey(key),
          ContentType: options.contentType,
          ContentLength: options.size,
        }),
        {
          expiresIn: options.expiresInSeconds,
          // The upload must carry the Content-Type and the Content-Length it was granted for.
          signableHeaders: new Set(['content-type', 'content-length']),
        },
      ),
  };
}
