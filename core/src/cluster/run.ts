import cluster, { type Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { serveClusterHub } from '../live/index.js';
import type { Logger } from '../logging/index.js';
import { shutdownMessage } from '../runtime/shutdown.js';
import { answerClusterMetrics, serveClusterMetrics } from './metrics.js';
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
 * exits before its first start ever listened (a bad setting, say) stops the whole cluster with
 * its status; one that dies later is started again, later each time it dies young.
 */
export async function runClustered(options: ClusterOptions, serve: () => Promise<unknown>): Promise<void> {
  if (cluster.isWorker) {
    await serveInWorker(serve);
    return;
  }
  if (options.workers <= 1) {
    await serve();
    return;
  }
  const { logger } = options;
  const undo = (await options.prepare?.()) ?? (async () => undefined);
  new RateLimiterClusterMaster();
  serveClusterHub();
  let closing = false;
  const running = new Set<Worker>();
  // The workers that listen: the ones /metrics asks.
  const serving = new Set<Worker>();
  serveClusterMetrics(() => [...serving]);
  const finish = async (status: number) => {
    if (closing) return;
    closing = true;
    // One that serves shuts down gracefully; one still starting (whose modules may be loading,
    // with nothing yet to hear the message) is ended by SIGTERM: it serves nothing yet.
    for (const worker of running) {
      if (serving.has(worker) && worker.isConnected()) worker.send(shutdownMessage);
      else worker.process.kill('SIGTERM');
    }
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
  // A role's workers that died within a minute of their start, in a row: the next start waits
  // 1 s, 2 s, 4 s … at most 30 s.
  const quickDeaths = new Map<WorkerRole, number>();
  const fork = (role: WorkerRole, restart: boolean) =>
    new Promise<void>((resolve) => {
      if (closing) {
        resolve();
        return;
      }
      const worker = cluster.fork({ [roleVariable]: role });
      const started = Date.now();
      running.add(worker);
      let listening = false;
      worker.once('listening', (address) => {
        listening = true;
        serving.add(worker);
        logger.info({ worker: worker.process.pid, role, port: address.port }, 'worker listening');
        resolve();
      });
      worker.once('exit', (code, signal) => {
        running.delete(worker);
        serving.delete(worker);
        resolve();
        if (closing) return;
        if (!listening && !restart) {
          // The first start failed: a bad setting, say. A signal's death has no code: 1.
          logger.error({ role, code, signal }, 'a worker exited before it first served: stopping');
          void finish(code > 0 ? code : 1);
          return;
        }
        const deaths = Date.now() - started < 60_000 ? (quickDeaths.get(role) ?? 0) + 1 : 0;
        quickDeaths.set(role, deaths);
        const delayMs = Math.min(30_000, 1_000 * 2 ** Math.max(0, deaths - 1));
        logger.error({ worker: worker.process.pid, role, code, signal, delayMs }, 'worker exited: starting another');
        setTimeout(() => void fork(role, true), delayMs).unref();
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
  await fork('leader', false);
  await Promise.all(Array.from({ length: options.workers - 1 }, () => fork('follower', false)));
  if (running.size === options.workers) logger.info({ workers: options.workers }, 'cluster serving');
}

/** A worker's `serve`: from the start, it answers the primary's collection of metrics. */
async function serveInWorker(serve: () => Promise<unknown>): Promise<void> {
  answerClusterMetrics();
  await serve();
}
