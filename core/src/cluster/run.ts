import cluster, { type Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { serveClusterHub } from '../live/index.js';
import type { Logger } from '../logging/index.js';
import { shutdownMessage } from '../runtime/shutdown.js';
import { serveClusterMetrics } from './metrics.js';
import { roleVariable, type WorkerRole } from './config.js';

export interface ClusterOptions {
  /** How many processes serve; 1 runs `serve` in this process. */
  readonly workers: number;
  /** The primary's log. */
  readonly logger: Logger;
  /**
   * Runs in the primary before any worker starts (an embedded database the workers join,
   * secrets they read); returns what to stop once the last worker has exited.
   */
  readonly prepare?: () => Promise<() => Promise<void>>;
  /** How long the workers may take to shut down before they are killed (default 20 s). */
  readonly graceMs?: number;
}

/**
 * Runs `serve` in `workers` processes that share its port (node:cluster; the primary hands
 * connections round-robin). The primary serves nothing itself: it starts the leader, then the
 * followers once the leader listens, starts again a worker that dies, shares the rate-limit
 * counters (rate-limiter-flexible's cluster master), the live hub's registry and /metrics
 * (every worker's, whichever one a scrape reaches) between them,
 * and on SIGINT or SIGTERM shuts them down before its own `prepare` is undone. A worker that
 * exits before it ever listened (a bad setting, say) stops the whole cluster with its status.
 */
export async function runClustered(options: ClusterOptions, serve: () => Promise<unknown>): Promise<void> {
  if (cluster.isWorker || options.workers <= 1) {
    await serve();
    return;
  }
  const { logger } = options;
  const undo = (await options.prepare?.()) ?? (async () => undefined);
  new RateLimiterClusterMaster();
  serveClusterHub();
  serveClusterMetrics();
  let closing = false;
  const running = new Set<Worker>();
  const finish = async (status: number) => {
    if (closing) return;
    closing = true;
    for (const worker of running) if (worker.isConnected()) worker.send(shutdownMessage);
    const killer = setTimeout(() => {
      logger.error({ graceMs: options.graceMs ?? 20_000 }, 'workers did not stop in time: killing them');
      for (const worker of running) worker.process.kill('SIGKILL');
    }, options.graceMs ?? 20_000);
    killer.unref();
    while (running.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    clearTimeout(killer);
    await undo().catch((error: unknown) => logger.error({ err: error }, 'stopping what the workers shared failed'));
    process.exit(status);
  };
  const fork = (role: WorkerRole) =>
    new Promise<void>((resolve) => {
      const worker = cluster.fork({ [roleVariable]: role });
      running.add(worker);
      let listening = false;
      worker.once('listening', (address) => {
        listening = true;
        logger.info({ worker: worker.process.pid, role, port: address.port }, 'worker listening');
        resolve();
      });
      worker.once('exit', (code, signal) => {
        running.delete(worker);
        if (closing) return;
        if (!listening) {
          logger.error({ role, code, signal }, 'a worker exited before it served: stopping');
          void finish(code === 0 ? 1 : code);
          resolve();
          return;
        }
        logger.error({ worker: worker.process.pid, role, code, signal }, 'worker exited: starting another');
        setTimeout(() => void fork(role), 1_000).unref();
      });
    });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      for (const worker of running) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    logger.info({ signal, workers: running.size }, 'shutting down the workers');
    void finish(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await fork('leader');
  await Promise.all(Array.from({ length: options.workers - 1 }, () => fork('follower')));
  logger.info({ workers: options.workers }, 'cluster serving');
}
