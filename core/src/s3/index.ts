import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';

export interface S3Connection {
  readonly client: S3Client;
  readonly bucket: string;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** An S3 client for any S3-compatible store; healthy when the bucket answers. */
export function connectS3(config: S3Config): S3Connection {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
    },
  });
  return {
    client,
    bucket: config.bucket,
    health: {
      name: 's3',
      check: async () => {
        await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
      },
    },
    close: async () => {
      client.destroy();
    },
  };
}
