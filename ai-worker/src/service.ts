import type { AuditStore } from '@mindflow/core/audit';
import type { BlobStore } from '@mindflow/core/blobs';
import { openEventBus, type Delivery, type EventBusChoice } from '@mindflow/core/bus';
import type { Cache } from '@mindflow/core/cache';
import type { Secrets } from '@mindflow/core/config';
import { openUserKeyring } from '@mindflow/core/crypto';
import type { HealthCheck } from '@mindflow/core/health';
import type { Logger } from '@mindflow/core/logging';
import {
  createDecoder,
  createErasureFence,
  createProjectionMetrics,
  hostProjection,
  watchLag,
  type HostedProjection,
  type LagLimits,
} from '@mindflow/core/projections';
import type { Registry } from 'prom-client';
import { analysisProjection, type Outcomes } from './analysis/projection.js';
import { createStatusBoard, type AnalysisStatus } from './analysis/status.js';
import type { WorkerDb } from './database.js';
import { startInsightScheduler } from './insights/scheduler.js';
import { thumbnailProjection } from './thumbnails/projection.js';
import { startExportRunner } from './exports/runner.js';
import type { InsightWriter } from './providers/types.js';

/** With Kafka, the worker consumes the topic the projector's relay publishes. */
export interface AiWorkerOptions extends EventBusChoice {
  readonly writeDb: WorkerDb;
  readonly writeUrl: string;
  readonly secrets: Secrets;
  /** Where analysis statuses go (`ai:queue:{entryId}`). */
  readonly cache: Cache;
  readonly writer: InsightWriter;
  /** Where attachments are: image thumbnails are made from them and stored next to them. */
  readonly blobs: BlobStore;
  /** The audit trail, read into each user's export; without it no exports are built here. */
  readonly audit: AuditStore | undefined;
  /** How often due insights are looked for; undefined: never (a test runs writeDueInsights itself). */
  readonly insightIntervalSeconds: number | undefined;
  readonly logger: Logger;
  readonly registry: Registry;
  /** How far behind (stored offsets against the event store head) a consumer may be and stay ready. */
  readonly readyLag?: LagLimits;
}

export interface AiWorker {
  /** The analysis consumer. */
  readonly consumer: HostedProjection;
  /** The thumbnail consumer. */
  readonly thumbnails: HostedProjection;
  readonly readiness: readonly HealthCheck[];
  /** For /healthz: fails while one of its consumers cannot run (see EventBus.liveness). */
  readonly liveness: HealthCheck;
  stop(): Promise<void>;
}

const entryEvents = new Set(['EntryCreated', 'EntryUpdated', 'EntryRestored']);

/**
 * The ai-worker: a consumer of the event stream that analyzes entries and queues insight
 * requests, and a scheduler that writes insights as their periods end.
 */
export async function startAiWorker(options: AiWorkerOptions): Promise<AiWorker> {
  const { logger } = options;
  // Before anything starts: a process holding another master key than the database's refuses.
  const keyring = await openUserKeyring(options.writeDb, options.secrets.masterKey);
  const { bus, topic } = await openEventBus({ ...options, db: options.writeDb });

  const statuses = createStatusBoard(options.cache);
  const decode = createDecoder(keyring, options.writeDb);
  const metrics = createProjectionMetrics(options.registry);
  // Nothing of a user is analysed or thumbnailed after their UserErased.
  const erasure = createErasureFence(options.writeDb);
  let outcomes: Outcomes = new Map();
  const hosted = hostProjection({
    projection: analysisProjection(keyring, statuses, () => outcomes),
    db: options.writeDb,
    decode,
    metrics,
    logger,
    erasure,
  });
  const entriesOf = (batch: readonly Delivery[]) =>
    batch.flatMap(({ event }) =>
      entryEvents.has(event.type) && typeof event.data.entryId === 'string' ? [event.data.entryId] : [],
    );
  // Statuses around the hosted consumer: the batch's entries queued when it arrives, each
  // processing in turn, then what became of it once the batch has committed (failed while the
  // batch is being retried).
  const consumer: HostedProjection = {
    ...hosted,
    handle: async (batch) => {
      const entries = entriesOf(batch);
      outcomes = new Map();
      await statuses.set(entries, 'queued');
      try {
        await hosted.handle(batch);
      } catch (error) {
        await statuses.set(entries, 'failed');
        throw error;
      }
      const byStatus = new Map<AnalysisStatus, string[]>();
      for (const [entryId, status] of outcomes) byStatus.set(status, [...(byStatus.get(status) ?? []), entryId]);
      for (const [status, entryIds] of byStatus) await statuses.set(entryIds, status);
    },
  };
  const thumbnails = hostProjection({
    projection: thumbnailProjection(keyring, options.blobs),
    db: options.writeDb,
    decode,
    metrics,
    logger,
    erasure,
  });
  const subscriptions = await Promise.all([bus.subscribe(consumer), bus.subscribe(thumbnails)]);
  const stopScheduler =
    options.insightIntervalSeconds === undefined
      ? () => Promise.resolve()
      : startInsightScheduler(
          { db: options.writeDb, keyring, writer: options.writer, logger },
          options.insightIntervalSeconds,
        );
  const stopExports =
    options.audit === undefined || options.insightIntervalSeconds === undefined
      ? () => Promise.resolve()
      : startExportRunner({ db: options.writeDb, keyring, blobs: options.blobs, audit: options.audit }, logger);
  const lag = watchLag({
    writeDb: options.writeDb,
    projections: [consumer, thumbnails],
    partitions: topic === undefined ? undefined : async () => (await topic()).partitions,
    metrics,
    logger,
    ...(options.readyLag === undefined ? {} : { limits: options.readyLag }),
  });
  logger.info(
    { writer: options.writer.name, bus: options.kafka === undefined ? 'embedded' : 'kafka' },
    'ai-worker started',
  );
  return {
    consumer,
    thumbnails,
    liveness: bus.liveness,
    // Not ready when a consumer is too far behind the event store head.
    readiness: lag.readiness,
    stop: async () => {
      lag.stop();
      await stopScheduler();
      await stopExports();
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await bus.close();
    },
  };
}
