import type { FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import {
  createLogShipper,
  defaultRetention,
  describeAuditStore,
  installRequestLog,
  openAuditStore,
  type AuditStore,
} from '../audit/index.js';
import type { ServerConfig } from '../config/index.js';
import { assertCommitOrderReachable } from '../eventstore/index.js';
import { installBreakerMetrics } from '../breaker/index.js';
import { withImpact, type HealthCheck } from '../health/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { createLogger, type Logger, type LoggingConfig } from '../logging/index.js';
import { connectEngines, type EngineSelection, type Engines } from './engines.js';
import { describeEngines } from './describe.js';
import { signedLinkOrigin } from '../s3/index.js';
import { onShutdown } from './shutdown.js';
import { version } from '../program/index.js';
import { auditStoreOpening } from './audit-store.js';
import { startInBackground } from './background.js';
import { workerRole } from '../cluster/index.js';

export interface ServeOptions {
  /** The process name in logs. */
  readonly name: string;
  /** The OpenAPI title. */
  readonly title: string;
  readonly server: ServerConfig;
  readonly logging: LoggingConfig;
  readonly engines: EngineSelection;
  /**
   * The engines' checks that make the process not ready when they fail (default: the write
   * database). Every other engine only degrades it: /readyz stays 200 and names it.
   */
  readonly notReadyWithout?: readonly string[];
  /** Who sent a request, for the API request log: the verified caller's id. */
  readonly callerOf?: (request: FastifyRequest) => Promise<string | null>;
  /** Registers the service's routes and starts its workers; returns what to stop on shutdown. */
  readonly mount?: (
    app: HttpServer,
    engines: Engines,
    logger: Logger,
    /** What /readyz checks; workers add their own (a stalled projection is not ready). */
    readiness: HealthCheck[],
    /** The audit store: the process's logs and requests already go there. */
    audit: AuditStore,
  ) => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Runs one service: logger, engines (a write database copied from another cluster is refused:
 * assertCommitOrderReachable), HTTP server (with health, readiness, metrics, OpenAPI),
 * the service's own routes and workers, and a graceful shutdown on SIGINT/SIGTERM.
 */
export async function serve(options: ServeOptions): Promise<HttpServer> {
  // Logs are shipped to application_logs once the service is mounted (on npm start, mounting
  // migrates the database the audit tables live in); lines before that wait in the buffer.
  let opened: (store: AuditStore) => void = () => undefined;
  const ready = new Promise<AuditStore>((resolve) => (opened = resolve));
  const shipper = createLogShipper({
    store: { appendApplicationLogs: async (lines) => (await ready).appendApplicationLogs(lines) },
    service: options.name,
  });
  const logger = createLogger(options.logging, options.name, shipper.stream);
  const engines = await connectEngines(options.engines, logger);
  logger.info({ engines: describeEngines(options.engines) }, 'engines');
  // Before any service runs: a write database copied from another cluster is refused.
  await assertCommitOrderReachable(engines.databases.write.db).catch(async (error: unknown) => {
    await engines.close();
    throw error;
  });
  // The audit store opens in the background: with MongoDB away, the process serves meanwhile
  // (see auditStoreOpening for what waits and what answers 503). Retried every 2 s at most, so
  // that it opens within seconds of MongoDB's return.
  const retention = options.engines.audit?.retention ?? defaultRetention;
  const opening = startInBackground(
    'audit store',
    async () => {
      const store = await openAuditStore({ mongo: engines.mongo, readDb: engines.databases.read.db }, retention);
      logger.info({ audit: describeAuditStore(store) }, 'audit store');
      return store;
    },
    // The connection is the engines': closed with them.
    async () => undefined,
    logger,
    { maxBackoffMs: 2_000 },
  );
  const audit = auditStoreOpening(opening, 'mongodb', retention);
  const notReadyWithout = new Set(options.notReadyWithout ?? [engines.databases.write.health.name]);
  const readiness: HealthCheck[] = engines.checks.map((check) =>
    withImpact(check, notReadyWithout.has(check.name) ? 'not-ready' : 'degraded'),
  );
  const app = await createHttpServer({
    logger,
    title: options.title,
    version,
    readiness,
    ...(options.server.metricsToken === undefined ? {} : { metricsToken: options.server.metricsToken }),
    ...(options.engines.s3 === undefined ? {} : { imageOrigins: [signedLinkOrigin(options.engines.s3)] }),
  });
  const requests = installRequestLog(app, {
    store: audit,
    service: options.name,
    logger,
    ...(options.callerOf === undefined ? {} : { userOf: options.callerOf }),
  });
  installBreakerMetrics(app.metrics, engines.breakers);
  new Gauge({
    name: 'mindflow_audit_dropped_total',
    help: 'Log lines and API request records not stored (the audit store failed or the buffer was full)',
    labelNames: ['collection'] as const,
    registers: [app.metrics],
    collect() {
      this.set({ collection: 'application_logs' }, shipper.dropped());
      this.set({ collection: 'api_requests' }, requests.dropped());
    },
  });
  const role = workerRole();
  if (role !== undefined)
    new Gauge({
      name: 'mindflow_worker_info',
      help: 'This process in its cluster (1): its role and pid. Each scrape reaches one worker of the port',
      labelNames: ['role', 'pid'] as const,
      registers: [app.metrics],
    }).set({ role, pid: String(process.pid) }, 1);
  const stopWorkers = await options.mount?.(app, engines, logger, readiness, audit);
  opened(audit);
  await app.listen({ port: options.server.port, host: options.server.host });
  onShutdown(logger, async () => {
    await timed(logger, 'http server', () => app.close());
    await timed(logger, 'workers', async () => stopWorkers?.());
    // Not open by now: it will not be. What waits for it is dropped (and counted) at once; an
    // attempt in progress ends when the engines close.
    const stopOpening = opening.current() === undefined ? opening.stop() : undefined;
    await timed(logger, 'log shipper', () => shipper.close());
    await timed(logger, 'engines', () => engines.close());
    await stopOpening;
  });
  return app;
}

/** One step of a shutdown, logged with its duration, so a slow one is named. */
async function timed(logger: Logger, step: string, run: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await run();
  logger.info({ step, ms: Math.round(performance.now() - started) }, 'stopped');
}
