import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { S3Connection } from '../s3/index.js';
import type { HttpServer } from '../http/index.js';
import { createLocalBlobStore, type LocalBlobStore } from './local-blob-store.js';
import { localBlobRoutes } from './routes.js';
import { createS3BlobStore } from './s3-blob-store.js';
import type { BlobStore } from './types.js';

/**
 * The process's blob store: S3 when it is connected, else a folder under the data directory
 * whose links point at this process (`baseUrl`), which then serves them (/v1/blobs). Links are
 * signed with a key derived from the JWT secret, so every process of a platform signs alike.
 */
export async function openBlobStore(
  app: HttpServer,
  s3: S3Connection | undefined,
  local: LocalSettings,
): Promise<BlobStore> {
  const store = blobStoreFor(s3, local);
  if ('verify' in store) await localBlobRoutes(app, store);
  return store;
}

interface LocalSettings {
  readonly dataDir: string;
  readonly jwtSecret: string;
  readonly baseUrl: () => string;
}

/** The same store for a process that serves no links (the CLI). */
export function blobStoreFor(s3: S3Connection | undefined, local: LocalSettings): BlobStore | LocalBlobStore {
  if (s3 !== undefined) return createS3BlobStore(s3, s3.bucket);
  return createLocalBlobStore({
    root: path.join(local.dataDir, 'blobs'),
    secret: createHmac('sha256', local.jwtSecret).update('mindflow:blob-links').digest('base64url'),
    baseUrl: local.baseUrl,
  });
}
