import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../logging/index.js';
import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  kafkaConfig,
  kafkaEnv,
  mongoConfig,
  mongoEnv,
  readEnv,
  redisConfig,
  redisEnv,
  s3Config,
  s3Env,
  type DatabaseUrls,
  type ElasticsearchConfig,
  type KafkaConfig,
  type MongoConfig,
  type RedisConfig,
  type S3Config,
} from '../config/index.js';

/** The real engines the integration suites run against: all required (`npm test` starts them). */
export interface TestEngines {
  readonly databases: DatabaseUrls;
  readonly kafka: KafkaConfig;
  readonly elasticsearch: ElasticsearchConfig;
  readonly mongo: MongoConfig;
  readonly redis: RedisConfig;
  readonly s3: S3Config;
}

const required = (pattern: string, description: string) => Type.String({ pattern, description });

const TestEnv = Type.Object({
  WRITE_DATABASE_URL: required('^postgres(ql)?://', 'run the suite with npm test, which starts the engines'),
  READ_DATABASE_URL: required('^postgres(ql)?://', 'read database'),
  ANALYTICS_DATABASE_URL: required('^postgres(ql)?://', 'analytics database'),
  KAFKA_BROKERS: required('.', 'Kafka brokers'),
  KAFKA_CLIENT_ID: Type.String({ default: 'mindflow-test' }),
  KAFKA_EVENTS_TOPIC: Type.String({ default: 'mindflow-test.events' }),
  KAFKA_GROUP_PREFIX: Type.String({ default: 'mindflow-test.' }),
  KAFKA_EVENTS_PARTITIONS: kafkaEnv.KAFKA_EVENTS_PARTITIONS,
  KAFKA_REPLICATION_FACTOR: kafkaEnv.KAFKA_REPLICATION_FACTOR,
  KAFKA_MIN_INSYNC_REPLICAS: kafkaEnv.KAFKA_MIN_INSYNC_REPLICAS,
  KAFKA_SESSION_TIMEOUT_MS: kafkaEnv.KAFKA_SESSION_TIMEOUT_MS,
  KAFKA_HEARTBEAT_INTERVAL_MS: kafkaEnv.KAFKA_HEARTBEAT_INTERVAL_MS,
  KAFKA_REBALANCE_TIMEOUT_MS: kafkaEnv.KAFKA_REBALANCE_TIMEOUT_MS,
  ELASTICSEARCH_URL: required('^https?://', 'Elasticsearch URL'),
  ELASTICSEARCH_TIMEOUT_MS: elasticsearchEnv.ELASTICSEARCH_TIMEOUT_MS,
  MONGODB_URL: required('^mongodb://', 'MongoDB URL'),
  MONGODB_DATABASE: Type.String({ default: `mindflow_test` }),
  MONGODB_TIMEOUT_MS: mongoEnv.MONGODB_TIMEOUT_MS,
  REDIS_URL: required('^rediss?://', 'Redis URL'),
  REDIS_TIMEOUT_MS: redisEnv.REDIS_TIMEOUT_MS,
  ...s3Env,
  S3_ENDPOINT: required('^https?://', 'S3 endpoint'),
});

/** Reads the engines' addresses from the environment; throws, naming the variable, when one is missing. */
export function testEngines(env: Readonly<Record<string, string | undefined>> = process.env): TestEngines {
  const vars = readEnv(TestEnv, env);
  const defined = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is not configured`);
    return value;
  };
  return {
    databases: { write: vars.WRITE_DATABASE_URL, read: vars.READ_DATABASE_URL, analytics: vars.ANALYTICS_DATABASE_URL },
    kafka: defined(kafkaConfig(vars), 'Kafka'),
    elasticsearch: defined(elasticsearchConfig(vars), 'Elasticsearch'),
    mongo: defined(mongoConfig(vars), 'MongoDB'),
    redis: ownRedisDatabase(defined(redisConfig(vars), 'Redis'), env.TAP_JOB_ID),
    s3: defined(s3Config(vars), 'S3'),
  };
}

/**
 * Test files run side by side, each in one of tap's job slots (`TAP_JOB_ID`, 0 to jobs - 1); no
 * two files run at once in the same slot. Each slot gets a Redis database of its own (1 to 15; 0
 * is left to the platform), so a file that flushes its database, or counts a budget of
 * 127.0.0.1, never meets another file's keys. Pub/Sub channels are per user id, so unique anyway.
 */
function ownRedisDatabase(redis: RedisConfig, jobId: string | undefined): RedisConfig {
  if (jobId === undefined) return redis;
  const slot = Number(jobId);
  if (!Number.isInteger(slot) || slot < 0 || slot > 14)
    throw new Error(`TAP_JOB_ID ${jobId}: run at most 15 jobs at once`);
  const url = new URL(redis.url);
  url.pathname = `/${String(slot + 1)}`;
  return { ...redis, url: url.toString() };
}

/** A name no other test uses: for topics, indices, databases, keys and buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { createTestDatabase, type TestDatabase } from './database.js';
export { searchIndexForTest } from './search-index.js';
export {
  deadRedises,
  refusedPort,
  silentServer,
  timed,
  type DeadRedis,
  type SilentServer,
  type Timed,
} from './dead-ends.js';
export { deletionDelivery, deliverUntilDone, quickRuntimeServices } from './projections.js';
export { readWholeLog } from './event-log.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { rawRequest, type RawAnswer } from './raw-request.js';
export { smtpServerForTest, testMailConfig, type ReceivedMail, type TestSmtpServer } from './smtp.js';

/** A logger that writes nothing: for the engine clients tests connect themselves. */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent', pretty: false }, 'test');
}
export { readEventStream } from './event-stream.js';
