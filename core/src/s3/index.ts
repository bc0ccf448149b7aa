import { isIP } from 'node:net';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createBreaker, type Breaker } from '../breaker/index.js';
import type { S3Config } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';

export interface S3Connection {
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Single requests (head, get, copy, delete; see createS3BlobStore) go through it: they fail
   * within `config.timeoutMs`, and at once while it is open. Streamed uploads and listings are
   * not bounded by it (they may take long), but fail at once while it is open.
   */
  readonly breaker: Breaker;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** An S3 client for any S3-compatible store; healthy when the bucket answers. */
/**
 * The origin of the store's signed links, which browsers load thumbnails and attachments from:
 * the endpoint itself with path-style addressing (which the SDK also uses for an endpoint that
 * is an IP address), else the bucket's own host under it.
 */
export function signedLinkOrigin(config: S3Config): string {
  const endpoint = new URL(config.endpoint);
  const pathStyle = config.forcePathStyle || isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0;
  return pathStyle ? endpoint.origin : `${endpoint.protocol}//${config.bucket}.${endpoint.host}`;
}

export function connectS3(config: S3Config, logger: Logger): S3Connection {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
    },
    // A store that does not accept a connection is away within the time-out; a socket silent for
    // 30 s (a streamed upload or download included) is given up. The breaker bounds single requests.
    requestHandler: { connectionTimeout: config.timeoutMs, requestTimeout: 30_000 },
    maxAttempts: 2,
  });
  const breaker = createBreaker({ engine: 's3', timeoutMs: config.timeoutMs, logger });
  return {
    client,
    bucket: config.bucket,
    breaker,
    health: {
      name: 's3',
      check: async () => {
        await breaker.run(() => client.send(new HeadBucketCommand({ Bucket: config.bucket })));
      },
    },
    close: async () => {
      breaker.shutdown();
      client.destroy();
    },
  };
}
