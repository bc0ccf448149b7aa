import type { EngineSelection } from './engines.js';

/** What `mindflow status` and start-up logs say about each port's adapter. */
export interface EngineDescription {
  readonly port: string;
  readonly adapter: string;
  readonly location: string;
}

/** Which adapter each port uses under this configuration, with credentials removed from URLs. */
export function describeEngines(config: EngineSelection): readonly EngineDescription[] {
  const { database, kafka, elasticsearch, mongo, redis, s3 } = config;
  return [
    database.kind === 'server'
      ? {
          port: 'databases',
          adapter: 'PostgreSQL',
          location: redact(database.urls.write),
        }
      : {
          port: 'databases',
          adapter: 'embedded PostgreSQL',
          location: database.dataDir,
        },
    kafka
      ? {
          port: 'event bus',
          adapter: 'Kafka',
          location: kafka.brokers.join(','),
        }
      : {
          port: 'event bus',
          adapter: 'event store (catch-up + LISTEN/NOTIFY)',
          location: 'write database',
        },
    elasticsearch
      ? {
          port: 'search',
          adapter: 'Elasticsearch',
          location: redact(elasticsearch.url),
        }
      : {
          port: 'search',
          adapter: 'PostgreSQL full-text search',
          location: 'read database',
        },
    mongo
      ? {
          port: 'audit logs',
          adapter: 'MongoDB',
          location: `${redact(mongo.url)} (${mongo.database})`,
        }
      : {
          port: 'audit logs',
          adapter: 'PostgreSQL table',
          location: 'read database',
        },
    redis
      ? { port: 'cache', adapter: 'Redis', location: redact(redis.url) }
      : { port: 'cache', adapter: 'in-process', location: '-' },
    s3
      ? {
          port: 'blobs',
          adapter: 'S3',
          location: `${s3.endpoint} (${s3.bucket})`,
        }
      : {
          port: 'blobs',
          adapter: 'local folder',
          location: 'MINDFLOW_DATA_DIR',
        },
  ];
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
