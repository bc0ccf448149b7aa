import cluster from 'node:cluster';
import type { Logger } from '../logging/index.js';

/** What a cluster's primary sends a worker to shut it down as SIGTERM would. */
export const shutdownMessage = 'mindflow:shutdown';

/**
 * On SIGINT or SIGTERM (or, in a cluster worker, the primary's shutdown message), runs `close`
 * once (finish in-flight work, disconnect) and exits; a second signal, or `close` taking longer
 * than `graceMs`, exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, graceMs = 15_000): void {
  let closing = false;
  // A terminal's Ctrl-C (or a service manager's kill of the group) reaches the primary and its
  // workers at once, in either order: the primary's message and one signal are one request.
  let excused = 0;
  const handle = (signal: NodeJS.Signals) => {
    if (excused > 0) {
      excused -= 1;
      return;
    }
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs, pending: countedResources() }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  if (cluster.isWorker)
    process.on('message', (message) => {
      if (message !== shutdownMessage || closing) return;
      handle('SIGTERM');
      excused = 1;
    });
}

/** What still keeps the process busy (sockets, timers, child processes), counted by kind. */
function countedResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
