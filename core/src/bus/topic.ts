import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { EventsTopicSettings } from '../config/index.js';
import type { Logger } from '../logging/index.js';

/** The topic every event is published to, keyed by user id. */
export const eventsTopic = 'mindflow.events';

/**
 * How the events topic is created, by default. They suit the single local broker; a production
 * cluster wants `replicationFactor: 3, minInsyncReplicas: 2` (the relay waits for every
 * in-sync replica, so an acknowledged event survives the loss of one broker).
 */
export const defaultTopicSettings: EventsTopicSettings = Object.freeze({
  partitions: 6,
  replicationFactor: 1,
  minInsyncReplicas: 1,
});

/** What the relay and the bus need to know of the topic, read once. */
export interface EventsTopic {
  readonly name: string;
  readonly partitions: number;
  /** The largest record batch the topic accepts (`max.message.bytes`). */
  readonly maxMessageBytes: number;
}

/** Kafka's default `message.max.bytes`, when the topic's own cannot be read. */
const defaultMaxMessageBytes = 1_048_588;

/**
 * Creates the events topic when absent, with retention that never deletes (the topic keeps
 * the whole history, like the event store) and the replication asked for. An existing topic
 * is left as it is: a retention that deletes, or weaker replication than asked, is logged as
 * a warning naming the command that fixes it (the operator owns a topic once it exists).
 *
 * @example
 *   const topic = await ensureEventsTopic(kafka, { topic: 'mindflow.events', logger });
 */
export async function ensureEventsTopic(
  kafka: Kafka,
  options: { readonly topic?: string; readonly logger: Logger } & Partial<EventsTopicSettings>,
): Promise<EventsTopic> {
  const name = options.topic ?? eventsTopic;
  const settings: EventsTopicSettings = {
    partitions: options.partitions ?? defaultTopicSettings.partitions,
    replicationFactor: options.replicationFactor ?? defaultTopicSettings.replicationFactor,
    minInsyncReplicas: options.minInsyncReplicas ?? defaultTopicSettings.minInsyncReplicas,
  };
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(name)) {
      await admin
        .createTopics({
          topics: [
            {
              topic: name,
              numPartitions: settings.partitions,
              replicationFactor: settings.replicationFactor,
              configEntries: [
                { name: 'retention.ms', value: '-1' },
                { name: 'retention.bytes', value: '-1' },
                { name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) },
              ],
            },
          ],
          waitForLeaders: true,
        })
        .catch((error: unknown) => {
          // Another process created it in between: fine.
          if (!String(error).includes('already exists')) throw error;
        });
    }
    return await describeEventsTopic(admin, name, settings, options.logger);
  } finally {
    await admin.disconnect();
  }
}

async function describeEventsTopic(
  admin: Admin,
  name: string,
  wanted: EventsTopicSettings,
  logger: Logger,
): Promise<EventsTopic> {
  const metadata = await admin.fetchTopicMetadata({ topics: [name] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  const described = await admin.describeConfigs({
    resources: [
      {
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'retention.bytes', 'min.insync.replicas', 'max.message.bytes'],
      },
    ],
    includeSynonyms: false,
  });
  const config = new Map(
    (described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
  );
  const fix = (settings: string) =>
    `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${name} --add-config ${settings}`;
  if (config.get('retention.ms') !== '-1' || config.get('retention.bytes') !== '-1') {
    logger.warn(
      { topic: name, retentionMs: config.get('retention.ms'), retentionBytes: config.get('retention.bytes') },
      `events topic: its retention deletes history; new projections catch up from the event store, but fix it: ${fix('retention.ms=-1,retention.bytes=-1')}`,
    );
  }
  const minInsync = Number(config.get('min.insync.replicas') ?? '1');
  const replication = Math.min(...partitions.map((partition) => partition.replicas.length));
  if (minInsync < wanted.minInsyncReplicas || replication < wanted.replicationFactor) {
    logger.warn(
      { topic: name, minInsyncReplicas: minInsync, replicationFactor: replication, wanted },
      `events topic: weaker replication than configured (${fix(`min.insync.replicas=${wanted.minInsyncReplicas}`)}; replicas: kafka-reassign-partitions.sh)`,
    );
  }
  const maxMessageBytes = Number(config.get('max.message.bytes') ?? defaultMaxMessageBytes);
  return {
    name,
    partitions: partitions.length,
    maxMessageBytes:
      Number.isSafeInteger(maxMessageBytes) && maxMessageBytes > 0 ? maxMessageBytes : defaultMaxMessageBytes,
  };
}
