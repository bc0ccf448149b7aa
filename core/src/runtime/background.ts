import type { Logger } from '../logging/index.js';

/** Something started in the background, retried until it starts or is stopped. */
export interface Background<T> {
  /** What started, once it has. */
  current(): T | undefined;
  /** Stops retrying, waits for an attempt in progress, then stops what started (if anything did). */
  stop(): Promise<void>;
}

/**
 * Starts `start` without waiting for it, retrying it with back-off (0.5 s doubling to 30 s) while
 * it fails, each failure logged with `what`. For a worker that needs an engine other than the
 * write database (Kafka for the relay): the process serves HTTP meanwhile.
 *
 * @example
 *   const relay = startInBackground('relay', async () => startRelay({ ...options, topic: await topic() }), (relay) => relay.stop(), logger);
 *   // on shutdown
 *   await relay.stop();
 */
export function startInBackground<T>(
  what: string,
  start: () => Promise<T>,
  stopStarted: (started: T) => Promise<void>,
  logger: Logger,
): Background<T> {
  let started: T | undefined;
  const state: { stopped: boolean; wake: () => void } = { stopped: false, wake: () => undefined };
  const running = (async () => {
    for (let failures = 0; !state.stopped; failures++) {
      try {
        started = await start();
        return;
      } catch (error) {
        const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        logger.error({ err: error, what, backoffMs }, `${what}: could not start; retrying`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          state.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  return {
    current: () => started,
    stop: async () => {
      state.stopped = true;
      state.wake();
      await running;
      if (started !== undefined) await stopStarted(started);
    },
  };
}
