export { BlobTooLarge, checkKey, type BlobInfo, type BlobStore, type PutOptions } from './types.js';
export { createS3BlobStore } from './s3-blob-store.js';
export {
  createLocalBlobStore,
  type LocalBlobStore,
  type LocalBlobOptions,
  type BlobGrant,
} from './local-blob-store.js';
export { localBlobRoutes } from './routes.js';
export { blobStoreFor, openBlobStore } from './open.js';
export { blobKeys } from './keys.js';
export { byteLimit } from './limit.js';
