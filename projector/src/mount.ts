import type { AuditStore } from '@mindflow/core/audit';
import type { Cache } from '@mindflow/core/cache';
import type { LiveHub } from '@mindflow/core/live';
import type { MailConfig, ProjectionLagLimits, ProjectorRole, Secrets } from '@mindflow/core/config';
import { openMailer } from '@mindflow/core/mail';
import type { HealthCheck } from '@mindflow/core/health';
import type { HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import type { Engines } from '@mindflow/core/runtime';
import { projectorDatabases } from './database.js';
import { startProjector } from './service.js';
import { searchAlias } from '@mindflow/core/search';

/**
 * Starts the projector on a process's engines (Kafka when connected, the event store
 * otherwise), adds its projections to the readiness checks and returns how to stop it.
 */
export async function mountProjector(
  app: HttpServer,
  engines: Engines,
  logger: Logger,
  readiness: HealthCheck[],
  options: {
    secrets: Secrets;
    cache: Cache | undefined;
    /** Writers' open streams (the query service serves them). */
    live?: LiveHub;
    audit: { store: AuditStore; sweepSeconds: number };
    /** Where email goes (SMTP_URL, or the outbox folder). */
    mail: MailConfig;
    /** With Kafka: the relay, the projections, or both (the default). */
    role?: ProjectorRole;
    /** How far behind a projection may be and the process stay ready (PROJECTION_READY_MAX_LAG_*). */
    readyLag?: ProjectionLagLimits;
  },
): Promise<() => Promise<void>> {
  const kafka = engines.kafka;
  const mailer = openMailer(options.mail, logger);
  const projector = await startProjector({
    ...projectorDatabases(engines.databases.write.db, engines.databases.read.db, engines.databases.analytics.db),
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
    audit: options.audit,
    mailer,
    ...(options.mail.linkBaseUrl === undefined ? {} : { mailLinkBaseUrl: options.mail.linkBaseUrl }),
    remindEveryMs: options.mail.reminderCheckSeconds * 1000,
    ...(options.live === undefined ? {} : { live: options.live }),
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(options.readyLag === undefined ? {} : { readyLag: options.readyLag }),
    logger,
    registry: app.metrics,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(engines.elasticsearch === undefined
      ? {}
      : { search: { client: engines.elasticsearch.client, alias: searchAlias } }),
  });
  readiness.push(...projector.readiness);
  app.liveness.push(projector.liveness);
  return async () => {
    await projector.stop();
    mailer.close();
  };
}
