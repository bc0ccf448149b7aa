import { isRetriable } from '../projections/retriable.js';

/** Whether one supervised consumer can run, as its supervisor saw it; read by liveness. */
export interface ConsumerHealth {
  readonly subscriber: string;
  /** Restarts so far (after crashes, failed starts, failed commits). */
  restarts(): number;
  /** It joined its group: a failing streak ends if it then runs `stableMs` without failing. */
  joined(): void;
  /** It committed a batch: it runs. */
  progressed(): void;
  /** It crashed or could not start; the supervisor will restart it. */
  failed(error: unknown): void;
  /** Its supervisor ended without being asked to: nothing restarts it. */
  ended(error: unknown): void;
  /** Why it cannot run, or undefined while it runs, starts or waits out an engine outage. */
  problem(now?: number): string | undefined;
  /** Clears its timer (on stop). */
  close(): void;
}

/**
 * How one consumer fares. It is reported as unable to run when its supervisor ended, or when it
 * has been failing for `graceMs` (crashing, restarting, crashing again: no commit and no quiet
 * run of `stableMs` in between) and its last failure was not an engine out of reach: a process
 * restart cannot bring back Kafka or the event store, and a liveness failure while they are
 * away would only restart every process at once (their absence shows in /readyz instead).
 */
export function createConsumerHealth(subscriber: string, graceMs: number, stableMs: number): ConsumerHealth {
  let failingSince: number | undefined;
  let lastError: unknown;
  let restarts = 0;
  let ended = false;
  let stable: NodeJS.Timeout | undefined;
  const clearStable = () => {
    clearTimeout(stable);
    stable = undefined;
  };
  return {
    subscriber,
    restarts: () => restarts,
    joined: () => {
      clearStable();
      if (failingSince === undefined) return;
      stable = setTimeout(() => (failingSince = undefined), stableMs);
      stable.unref();
    },
    progressed: () => {
      clearStable();
      failingSince = undefined;
    },
    failed: (error) => {
      clearStable();
      failingSince ??= Date.now();
      lastError = error;
      restarts += 1;
    },
    ended: (error) => {
      clearStable();
      ended = true;
      lastError = error;
    },
    problem: (now = Date.now()) => {
      if (ended) return `${subscriber}: its consumer stopped and is not restarted (${messageOf(lastError)})`;
      if (failingSince === undefined || now - failingSince < graceMs || isRetriable(lastError)) return undefined;
      return `${subscriber}: its consumer has failed to run for ${Math.round((now - failingSince) / 1000)} s (${restarts} restarts; last: ${messageOf(lastError)})`;
    },
    close: clearStable,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
