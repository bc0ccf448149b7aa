import CircuitBreaker from 'opossum';
import { InfrastructureError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { isRetriable } from '../projections/retriable.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** The engine behind it, in logs, metrics and errors: `redis`, `elasticsearch`, `mongodb`. */
  readonly engine: string;
  /** A call with no answer by then fails, and counts as a failure. */
  readonly timeoutMs: number;
  /** Failures in a row that open it (default 3). */
  readonly failureThreshold?: number;
  /** How long it stays open before one trial call decides (default 5 000 ms). */
  readonly resetMs?: number;
  readonly logger: Logger;
}

/**
 * The engine did not answer: the breaker is open, the call timed out, or the connection failed.
 * Retriable; the HTTP error handler answers 503 ENGINE_UNAVAILABLE with Retry-After.
 */
export class EngineUnavailableError extends InfrastructureError {
  /** When a client may try again: when the breaker will let a trial call through. */
  readonly retryAfterSeconds: number;

  constructor(engine: string, message: string, retryAfterSeconds: number, cause?: unknown) {
    super(engine, `${engine} is unavailable: ${message}`, { retriable: true, cause });
    this.name = 'EngineUnavailableError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A short timeout and a circuit breaker in front of one engine's client. */
export interface Breaker {
  readonly engine: string;
  readonly timeoutMs: number;
  /**
   * Runs `call` within the timeout. While open, throws EngineUnavailableError at once. A
   * failure that says the engine is away (a timeout, a connection error: isRetriable) is thrown
   * as EngineUnavailableError and counted; any other error (a bad query, a 404) is the engine
   * answering: thrown as it is, and not counted.
   */
  run<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Throws EngineUnavailableError while it is open; else nothing. For a call that may rightly
   * take long (a streamed upload) and so is not run under the timeout.
   */
  refuseWhileOpen(): void;
  state(): BreakerState;
  /** Opens it now: the client has seen its connection fail. */
  trip(reason: string): void;
  /** Closes it now: the client's connection is back. */
  reset(): void;
  shutdown(): void;
}

/**
 * A breaker with opossum: it opens after `failureThreshold` failures in a row (opossum's
 * error-rate rule is switched off by a 100 % threshold), and after `resetMs` lets one trial
 * call through, whose outcome closes it or opens it again. Opening and closing are logged.
 */
export function createBreaker(options: BreakerOptions): Breaker {
  const { engine, timeoutMs, logger } = options;
  const resetMs = options.resetMs ?? 5_000;
  const failureThreshold = options.failureThreshold ?? 3;
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
    name: engine,
    timeout: timeoutMs,
    resetTimeout: resetMs,
    errorThresholdPercentage: 100,
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
    // The engine answered: not a failure (and a trial call that gets such an answer closes it).
    errorFilter: (error: unknown) => !isRetriable(error),
  });
  let failuresInARow = 0;
  let openedAt = 0;
  let openReason = '';
  breaker.on('success', () => {
    failuresInARow = 0;
  });
  breaker.on('failure', (error: unknown) => {
    failuresInARow += 1;
    openReason = messageOf(error);
    if (failuresInARow >= failureThreshold && breaker.closed) breaker.open();
  });
  breaker.on('open', () => {
    failuresInARow = 0;
    openedAt = Date.now();
    logger.warn({ engine, reason: openReason, resetMs }, `circuit breaker open: ${engine} calls fail fast`);
  });
  breaker.on('close', () => {
    logger.info({ engine }, `circuit breaker closed: ${engine} answers again`);
  });

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  const retryAfter = () => Math.max(1, Math.ceil((openedAt + resetMs - Date.now()) / 1000));

  return {
    engine,
    timeoutMs,
    run: async <T>(call: () => Promise<T>): Promise<T> => {
      let answer: { value: T } | undefined;
      try {
        await breaker.fire(async () => {
          answer = { value: await call() };
        });
      } catch (error) {
        const code = error instanceof Error && 'code' in error ? error.code : undefined;
        if (code === 'EOPENBREAKER') throw new EngineUnavailableError(engine, 'circuit open', retryAfter(), error);
        if (code === 'ETIMEDOUT' && error instanceof Error && error.message.startsWith('Timed out after')) {
          throw new EngineUnavailableError(engine, `no answer within ${String(timeoutMs)} ms`, 1, error);
        }
        if (isRetriable(error)) throw new EngineUnavailableError(engine, messageOf(error), 1, error);
        throw error;
      }
      if (answer === undefined) throw new Error(`${engine}: the breaker returned without an answer`);
      return answer.value;
    },
    refuseWhileOpen: () => {
      if (breaker.opened) throw new EngineUnavailableError(engine, 'circuit open', retryAfter());
    },
    state,
    trip: (reason) => {
      if (breaker.opened) return;
      openReason = reason;
      breaker.open();
    },
    reset: () => {
      if (!breaker.closed) breaker.close();
    },
    shutdown: () => {
      breaker.shutdown();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
