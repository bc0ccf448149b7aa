import type { ServerConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { createLogger, type Logger, type LoggingConfig } from '../logging/index.js';
import { connectEngines, type EngineSelection, type Engines } from './engines.js';
import { describeEngines } from './describe.js';
import { onShutdown } from './shutdown.js';
import { version } from './version.js';

export interface ServeOptions {
  /** The process name in logs. */
  readonly name: string;
  /** The OpenAPI title. */
  readonly title: string;
  readonly server: ServerConfig;
  readonly logging: LoggingConfig;
  readonly engines: EngineSelection;
  /** Registers the service's routes and starts its workers; returns what to stop on shutdown. */
  readonly mount?: (
    app: HttpServer,
    engines: Engines,
    logger: Logger,
    /** What /readyz checks; workers add their own (a stalled projection is not ready). */
    readiness: HealthCheck[],
  ) => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Runs one service: logger, engines, HTTP server (with health, readiness, metrics, OpenAPI),
 * the service's own routes and workers, and a graceful shutdown on SIGINT/SIGTERM.
 */
export async function serve(options: ServeOptions): Promise<HttpServer> {
  const logger = createLogger(options.logging, options.name);
  const engines = await connectEngines(options.engines, logger);
  logger.info({ engines: describeEngines(options.engines) }, 'engines');
  const readiness: HealthCheck[] = [...engines.checks];
  const app = await createHttpServer({
    logger,
    title: options.title,
    version,
    readiness,
  });
  const stopWorkers = await options.mount?.(app, engines, logger, readiness);
  await app.listen({ port: options.server.port, host: options.server.host });
  onShutdown(logger, async () => {
    await app.close();
    await stopWorkers?.();
    await engines.close();
  });
  return app;
}
