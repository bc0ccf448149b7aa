import type { Logger } from '../logging/index.js';

/** Something started in the background, retried until it starts or is stopped. */
export interface Background<T> {
  /** What started, once it has. */
  current(): T | undefined;
  /** Resolves with what started once it has; rejects if stopped before. */
  started(): Promise<T>;
  /** Stops retrying, waits for an attempt in progress, then stops what started (if anything did). */
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  /** The longest wait between two attempts (default 30 000 ms). */
  readonly maxBackoffMs?: number;
}

/**
 * Starts `start` without waiting for it, retrying it with back-off (0.5 s doubling to
 * `maxBackoffMs`, 30 s by default) while it fails, each failure logged with `what`. For a worker
 * that needs an engine other than the write database (Kafka for the relay, MongoDB for the audit
 * store): the process serves HTTP meanwhile.
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
  options: BackgroundOptions = {},
): Background<T> {
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let started: T | undefined;
  const state: { stopped: boolean; wake: () => void } = { stopped: false, wake: () => undefined };
  let settle: { resolve: (value: T) => void; reject: (error: Error) => void } | undefined;
  const startedPromise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  // Nobody may be waiting: a stop before the start is not an unhandled rejection.
  startedPromise.catch(() => undefined);
  const running = (async () => {
    for (let failures = 0; !state.stopped; failures++) {
      try {
        const value = await start();
        started = value;
        settle?.resolve(value);
        return;
      } catch (error) {
        const backoffMs = Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures, 6));
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
    started: () => startedPromise,
    stop: async () => {
      state.stopped = true;
      state.wake();
      // Whoever waits for the start is told at once, not after an attempt in progress ends.
      if (started === undefined) settle?.reject(new Error(`${what}: stopped before it started`));
      await running;
      if (started !== undefined) await stopStarted(started);
    },
  };
}
