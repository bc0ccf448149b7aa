import { Kafka, logLevel, type Admin } from 'kafkajs';
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

/** A kafkajs client logging through pino; its health check asks the cluster for its brokers. */
export function connectKafka(config: KafkaConfig, logger: Logger): KafkaConnection {
  const log = logger.child({ engine: 'kafka' });
  const kafka = new Kafka({
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
