import { Kafka, logLevel, type Admin, type KafkaConfig as KafkaOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';

export interface KafkaConnection {
  readonly kafka: Kafka;
  /** Its settings, the events topic and consumer-group prefix among them. */
  readonly config: KafkaConfig;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * How the client's own connections and requests time out and retry, under the producer's and
 * the consumers' own retries. kafkajs's defaults (5 retries from 300 ms up to 30 s apart, 30 s
 * per request) made a failed publish take about 20 s while Kafka was away, and a silent broker
 * hold a request 30 s; the relay and the consumers noticed Kafka's return that much later.
 * - connectionTimeout 1 s: a broker that does not accept a connection within it is away.
 * - requestTimeout 5 s: a broker that accepts and never answers is noticed within it. Group
 *   joins and fetches are not bound by it: kafkajs gives them the rebalance time-out and the
 *   fetch's wait, plus a margin.
 * - retry: 3 retries, 100 ms doubling, at most 1 s apart, so the client gives up within about
 *   2 s (plus the time-outs); the callers try again themselves, at most 2 s apart (the relay's
 *   back-off, the bus's supervised consumers).
 */
export const kafkaClientTimings = {
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
} as const satisfies Pick<KafkaOptions, 'connectionTimeout' | 'requestTimeout' | 'retry'>;

/** A kafkajs client logging through pino; its health check asks the cluster for its brokers. */
export function connectKafka(config: KafkaConfig, logger: Logger): KafkaConnection {
  const log = logger.child({ engine: 'kafka' });
  const kafka = new Kafka({
    ...kafkaClientTimings,
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }) =>
        log[levels[level] ?? 'info'](extra, message),
  });
  let admin: Admin | undefined;
  return {
    kafka,
    config,
    health: {
      name: 'kafka',
      check: async () => {
        if (admin === undefined) {
          admin = kafka.admin();
          await admin.connect();
        }
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('the cluster lists no brokers');
      },
    },
    close: async () => {
      await admin?.disconnect();
    },
  };
}

/** Deletes a topic if it exists (tests and benchmarks clean up their own topics). */
export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** How many partitions a topic has (0 when it does not exist). */
export async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}
