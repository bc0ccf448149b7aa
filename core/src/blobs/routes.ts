import { Type } from '@sinclair/typebox';
import { AppError } from '../errors/index.js';
import type { HttpServer } from '../http/index.js';
import { defaultUploadDeadline, withinUploadDeadline } from '../http/upload-deadline.js';
import type { LocalBlobStore } from './local-blob-store.js';

const refused = () => new AppError('FORBIDDEN', 'this link is not valid: it was altered, or it has expired');

/**
 * GET and PUT /v1/blobs/{key}: what the local blob store's signed URLs point at (embedded
 * mode; on S3 the URLs go to the store itself). The signature is the only credential.
 */
export async function localBlobRoutes(app: HttpServer, store: LocalBlobStore): Promise<void> {
  const query = Type.Object({
    expires: Type.Optional(Type.String()),
    signature: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    size: Type.Optional(Type.String()),
  });
  await app.register(async (scope) => {
    // Bodies go to the store as streams, whatever their type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload);
    });

    scope.get('/v1/blobs/*', { schema: { hide: true, querystring: query } }, async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const grant = store.verify('GET', key, request.query as Record<string, string | undefined>);
      if (grant === undefined) throw refused();
      const [info, body] = await Promise.all([store.head(key), store.get(key)]);
      if (info === undefined || body === undefined) throw new AppError('NOT_FOUND', 'no such object');
      reply.header('content-type', info.contentType).header('content-length', String(info.size));
      reply.header('cache-control', 'private, max-age=60');
      if (grant.fileName !== '') {
        reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(grant.fileName)}`);
      }
      return reply.send(body);
    });

    scope.put('/v1/blobs/*', { schema: { hide: true, querystring: query } }, async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const grant = store.verify('PUT', key, request.query as Record<string, string | undefined>);
      if (grant === undefined) throw refused();
      if (request.headers['content-type'] !== grant.contentType) {
        throw new AppError('FORBIDDEN', `this link takes Content-Type ${grant.contentType} only`);
      }
      // As S3 does with a signed Content-Length: the body is the size granted, or it is refused.
      if (request.headers['content-length'] !== String(grant.size)) {
        throw new AppError('FORBIDDEN', `this link takes a body of exactly ${String(grant.size)} bytes`);
      }
      // A body that stops short of its Content-Length is answered 408, never left hanging.
      await withinUploadDeadline(request, reply, defaultUploadDeadline, () =>
        store.put(key, request.raw, { contentType: grant.contentType, maxBytes: grant.size }),
      );
      return reply.status(200).send();
    });
  });
}
