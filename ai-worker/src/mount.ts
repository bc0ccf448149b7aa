import type { AuditStore } from '@mindflow/core/audit';
import type { BlobStore } from '@mindflow/core/blobs';
import type { Cache } from '@mindflow/core/cache';
import type { AiSettings, ProjectionLagLimits, Secrets } from '@mindflow/core/config';
import type { HealthCheck } from '@mindflow/core/health';
import type { HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import type { Engines } from '@mindflow/core/runtime';
import type { WorkerDb } from './database.js';
import { insightWriter } from './providers/index.js';
import { startAiWorker } from './service.js';

/** Starts the ai-worker on a process's engines (Kafka when connected, the event store otherwise). */
export async function mountAiWorker(
  app: HttpServer,
  engines: Engines,
  logger: Logger,
  readiness: HealthCheck[],
  options: {
    secrets: Secrets;
    cache: Cache;
    ai: AiSettings;
    blobs: BlobStore;
    audit: AuditStore;
    /** How far behind a consumer may be and the process stay ready (PROJECTION_READY_MAX_LAG_*). */
    readyLag?: ProjectionLagLimits;
  },
): Promise<() => Promise<void>> {
  const kafka = engines.kafka;
  const worker = await startAiWorker({
    // The write database holds the ai-worker's tables too (migrations/src/write/0005).
    writeDb: engines.databases.write.db as unknown as WorkerDb,
    writeUrl: engines.databases.urls.write,
    kafka: kafka?.kafka,
    ...(kafka === undefined
      ? {}
      : {
          topic: kafka.config.topic,
          groupPrefix: kafka.config.groupPrefix,
          topicSettings: kafka.config.topicSettings,
          consumerTimeouts: kafka.config.consumerTimeouts,
        }),
    secrets: options.secrets,
    cache: options.cache,
    blobs: options.blobs,
    audit: options.audit,
    writer: insightWriter(options.ai, options.cache, logger),
    insightIntervalSeconds: options.ai.insightIntervalSeconds,
    logger,
    registry: app.metrics,
    ...(options.readyLag === undefined ? {} : { readyLag: options.readyLag }),
  });
  readiness.push(...worker.readiness);
  app.liveness.push(worker.liveness);
  return () => worker.stop();
}
