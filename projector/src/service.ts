import { openEventBus, type EventBusChoice } from '@mindflow/core/bus';
import type { Cache } from '@mindflow/core/cache';
import type { ProjectorRole, Secrets } from '@mindflow/core/config';
import { openUserKeyring, type UserKeysTables } from '@mindflow/core/crypto';
import { listenForEvents, type EventStoreTables } from '@mindflow/core/eventstore';
import type { HealthCheck } from '@mindflow/core/health';
import type { Logger } from '@mindflow/core/logging';
import { startInBackground, type Background } from '@mindflow/core/runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { AuditStore } from '@mindflow/core/audit';
import { auditTrail } from './audit/projection.js';
import { mailSide } from './database.js';
import { mailDelivery } from './mail/projection.js';
import { startReminderScheduler } from './notifier/reminders.js';
import { mailLinks } from './mail/messages.js';
import { writeDatabase } from '@mindflow/core/write-model';
import type { Mailer } from '@mindflow/core/mail';
import { startRetentionSweeper } from './audit/sweeper.js';
import { cacheInvalidation } from './cache/invalidation.js';
import { liveUpdates } from './live/projection.js';
import { notifier } from './notifier/projection.js';
import type { LiveHub } from '@mindflow/core/live';
import { searchIndexing } from './search/indexing.js';
import { searchIndexEnsurer } from '@mindflow/core/search';
import type { Client } from '@elastic/elasticsearch';
import {
  createDecoder,
  hostProjection,
  watchLag,
  type LagLimits,
  type HostedProjection,
  createProjectionMetrics,
  createErasureFence,
  type RuntimeServices,
} from '@mindflow/core/projections';
import { databaseProjections } from './projections.js';
import { startPartitionMaintenance } from './analytics/maintenance.js';
import { analyticsStore } from './analytics/store.js';
import type { AnalyticsProjectionTables } from './analytics/tables.js';
import type { ReadModelTables } from './read-model/tables.js';
import { startRelay, type Relay, type RelayTables } from './relay.js';

export type WriteSide = EventStoreTables & UserKeysTables & RelayTables;

/** With Kafka, a relay publishes the event store and the projections consume the topic. */
export interface ProjectorOptions extends EventBusChoice {
  readonly writeDb: Kysely<WriteSide>;
  readonly writeUrl: string;
  readonly readDb: Kysely<ReadModelTables>;
  readonly analyticsDb: Kysely<AnalyticsProjectionTables>;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The cache the query side reads; its stale entries are removed as events arrive. */
  readonly cache?: Cache;
  /** With Elasticsearch: the search projection keeps the index behind `alias` current. */
  readonly search?: { readonly client: Client; readonly alias: string };
  /** The audit trail: its store, and how often expired records are swept where it has no TTL. */
  readonly audit?: { readonly store: AuditStore; readonly sweepSeconds: number };
  /** Email to people (the mail projection): through SMTP, or into the outbox folder. Without it, none is sent. */
  readonly mailer?: Mailer;
  /** The web app's address in emails' links (MAIL_LINK_BASE_URL). */
  readonly mailLinkBaseUrl?: string;
  /** How often the reminders due are raised, in ms; 0: never (tests raise them with raiseDueReminders). Default 60 s. */
  readonly remindEveryMs?: number;
  /** Where live updates go (the live projection): writers' open streams. Without it, none are published. */
  readonly live?: LiveHub;
  /** How far behind (stored offsets against the event store head) a projection may be and stay ready. */
  readonly readyLag?: LagLimits;
  /**
   * With Kafka: run the relay, the projections, or both (default). Without Kafka there is no
   * relay, and the projections always run.
   */
  readonly role?: ProjectorRole;
}

export interface Projector {
  readonly projections: readonly HostedProjection[];
  readonly readiness: readonly HealthCheck[];
  /** For /healthz: fails while one of its consumers cannot run (see EventBus.liveness). */
  readonly liveness: HealthCheck;
  stop(): Promise<void>;
}

/**
 * The projector: the relay (with Kafka) and every projection, each a subscriber of the bus,
 * with lag metrics and a readiness check per projection that fails when it is too far behind.
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const { logger } = options;
  const role = options.kafka === undefined ? 'all' : (options.role ?? 'all');
  // Before anything starts: a process holding another master key than the database's refuses.
  const keyring = await openUserKeyring(options.writeDb, options.secrets.masterKey);
  const notifications = await listenForEvents(options.writeUrl, logger);
  const { bus, topic } = await openEventBus({ ...options, db: options.writeDb, logger, notifications });
  // With Kafka, the relay publishes the event store to the topic the bus consumes (unless this
  // process runs the projections alone). It starts in the background, like the consumers: the
  // process serves HTTP at once, whether Kafka answers or not.
  const kafka = options.kafka;
  const relay: Background<Relay> | undefined =
    kafka === undefined || topic === undefined || role === 'projections'
      ? undefined
      : startInBackground(
          'relay',
          async () =>
            startRelay({
              db: options.writeDb,
              url: options.writeUrl,
              kafka,
              notifications,
              logger,
              topic: await topic(),
              registry: options.registry,
            }),
          (started) => started.stop(),
          logger,
        );
  const metrics = createProjectionMetrics(options.registry);
  const decode = createDecoder(keyring, options.writeDb);
  const projections: HostedProjection[] = [];
  let stopMaintenance: () => void = () => undefined;
  let stopSweeper: () => void = () => undefined;
  let stopReminders: () => Promise<void> = async () => undefined;
  if (role !== 'relay') {
    const analytics = await analyticsStore(options.analyticsDb);
    stopMaintenance = await startPartitionMaintenance(options.analyticsDb, analytics.strategy, logger);
    // One failure path and one erasure fence for every host, whatever its store.
    const runtime: RuntimeServices = { metrics, logger, erasure: createErasureFence(options.writeDb) };
    // The write model's tables, for the mail projection (addresses, settings) and the reminder run.
    const writeTables = writeDatabase(options.writeDb as unknown as Kysely<unknown>);
    projections.push(
      ...databaseProjections(options, analytics).map(({ projection, db }) =>
        hostProjection({ projection, db, decode, ...runtime }),
      ),
    );
    if (options.cache !== undefined) projections.push(cacheInvalidation(options.cache, options.readDb, runtime));
    if (options.search !== undefined) {
      const { client, alias } = options.search;
      // Not at start: Elasticsearch may be away. Each batch makes sure of the index first
      // until that has succeeded once; while it fails, the batch is retried (engine away).
      projections.push(
        searchIndexing({
          client,
          index: alias,
          ensureIndex: searchIndexEnsurer(client, alias),
          writeDb: options.writeDb,
          readDb: options.readDb,
          decode,
          runtime,
        }),
      );
    }
    if (options.audit !== undefined) {
      const { store, sweepSeconds } = options.audit;
      projections.push(auditTrail({ store, writeDb: options.writeDb, readDb: options.readDb, decode, runtime }));
      stopSweeper = startRetentionSweeper(store, sweepSeconds, logger);
    }
    if (options.mailer !== undefined) {
      projections.push(
        mailDelivery({
          mailer: options.mailer,
          readDb: mailSide(options.readDb),
          writeDb: writeTables,
          links: mailLinks(options.secrets.jwtSecret, options.mailLinkBaseUrl),
          decode,
          runtime,
        }),
      );
    }
    projections.push(notifier({ writeDb: options.writeDb, readDb: options.readDb, keyring, decode, runtime }));
    const remindEveryMs = options.remindEveryMs ?? 60_000;
    if (remindEveryMs > 0) {
      stopReminders = startReminderScheduler({ writeDb: writeTables, keyring, logger }, remindEveryMs);
    }
    if (options.live !== undefined) {
      projections.push(liveUpdates({ hub: options.live, readDb: options.readDb, runtime }));
    }
  }
  const subscriptions = await Promise.all(projections.map((projection) => bus.subscribe(projection)));

  // Lag from the stored offsets against the event store head: metrics, and readiness.
  const lag = watchLag({
    writeDb: options.writeDb,
    projections,
    partitions: topic === undefined ? undefined : async () => (await topic()).partitions,
    metrics,
    logger,
    ...(options.readyLag === undefined ? {} : { limits: options.readyLag }),
  });

  return {
    projections,
    readiness: lag.readiness,
    liveness: bus.liveness,
    stop: async () => {
      lag.stop();
      stopMaintenance();
      stopSweeper();
      await stopReminders();
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await bus.close();
      await relay?.stop();
      await notifications.close();
    },
  };
}
