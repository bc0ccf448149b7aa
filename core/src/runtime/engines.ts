import type { Breaker } from '../breaker/index.js';
import type { EnginesConfig } from '../config/index.js';
import { connectElasticsearch, type ElasticsearchConnection } from '../elasticsearch/index.js';
import type { HealthCheck } from '../health/index.js';
import { connectKafka, type KafkaConnection } from '../kafka/index.js';
import type { Logger } from '../logging/index.js';
import { connectMongo, type MongoConnection } from '../mongo/index.js';
import { connectDatabases, type Databases } from '../postgres/index.js';
import { connectRedis, type RedisConnection } from '../redis/index.js';
import { connectS3, type S3Connection } from '../s3/index.js';

/** The engines one process uses: databases always; the others when configured. */
export type EngineSelection = Pick<EnginesConfig, 'database'> & Partial<Omit<EnginesConfig, 'database' | 'dataDir'>>;

export interface Engines {
  readonly databases: Databases;
  readonly kafka: KafkaConnection | undefined;
  readonly elasticsearch: ElasticsearchConnection | undefined;
  readonly mongo: MongoConnection | undefined;
  readonly redis: RedisConnection | undefined;
  readonly s3: S3Connection | undefined;
  /** Every dependency, for /readyz and `mindflow status`. */
  readonly checks: readonly HealthCheck[];
  /** The circuit breakers in front of Redis, Elasticsearch, MongoDB, S3 and the analytics database (those configured). */
  readonly breakers: readonly Breaker[];
  close(): Promise<void>;
}

/**
 * The composition root's one call to reach its engines. Clients connect lazily where the
 * client allows, so a process starts even while an engine is still coming up; /readyz says so.
 */
export async function connectEngines(config: EngineSelection, logger: Logger): Promise<Engines> {
  const databases = await connectDatabases(config.database, logger);
  const kafka = config.kafka && connectKafka(config.kafka, logger);
  const elasticsearch = config.elasticsearch && connectElasticsearch(config.elasticsearch, logger);
  const mongo = config.mongo && connectMongo(config.mongo, logger);
  const redis = config.redis && connectRedis(config.redis, logger);
  const s3 = config.s3 && connectS3(config.s3, logger);
  const others = [kafka, elasticsearch, mongo, redis, s3].filter((engine) => engine !== undefined);
  return {
    databases,
    kafka,
    elasticsearch,
    mongo,
    redis,
    s3,
    checks: [databases.write.health, databases.read.health, databases.analytics.health, ...others.map((e) => e.health)],
    breakers: [redis, elasticsearch, mongo, s3, databases.analytics].flatMap((engine) =>
      engine?.breaker === undefined ? [] : [engine.breaker],
    ),
    close: async () => {
      await Promise.allSettled(others.map((engine) => engine.close()));
      await databases.close();
    },
  };
}
