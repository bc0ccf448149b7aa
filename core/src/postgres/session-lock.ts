import pg from 'pg';
import type { Logger } from '../logging/index.js';

/** A PostgreSQL session advisory lock, held by a connection of its own. */
export interface SessionLock {
  /** False once the connection is gone (the server then releases the lock) or it was released. */
  held(): boolean;
  /** Its connection's backend process id (what pg_terminate_backend takes). */
  readonly pid: number;
  /**
   * Runs a statement on the lock's own connection. It fails once the lock is lost, so a write
   * made this way is fenced: it happens only while this holder still has the lock.
   */
  query(text: string, values: readonly unknown[]): Promise<void>;
  release(): Promise<void>;
}

export interface SessionLockOptions {
  /** How often a waiter asks again. */
  readonly retryMs: number;
  /** Abandons the wait (acquireSessionLock then resolves undefined). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * Waits until it holds the advisory lock named `key` in the database at `url`, on a
 * connection of its own: one holder at a time across every process on that database. When
 * the holder dies or its connection breaks, the server releases the lock and a waiter gets
 * it; the holder sees `held()` turn false, and its fenced queries fail.
 *
 * @example
 *   const lock = await acquireSessionLock(url, 'mindflow.relay:kafka', { retryMs: 1000, signal, logger });
 *   if (lock !== undefined) try { while (lock.held()) await work(lock); } finally { await lock.release(); }
 */
export async function acquireSessionLock(
  url: string,
  key: string,
  options: SessionLockOptions,
): Promise<SessionLock | undefined> {
  const aborted = () => options.signal.aborted;
  while (!aborted()) {
    const client = new pg.Client({ connectionString: url, application_name: `lock ${key}`.slice(0, 63) });
    const state = { connected: true, held: false };
    const lose = (error?: Error) => {
      if (state.held) options.logger.warn({ err: error, key }, 'session lock: connection lost; the lock is released');
      state.connected = false;
      state.held = false;
    };
    client.on('error', lose);
    client.on('end', () => lose());
    const connected = () => state.connected;
    try {
      await client.connect();
      const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
      while (connected() && !aborted()) {
        const result = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
          [key],
        );
        if (result.rows[0]?.locked === true) {
          state.held = true;
          return {
            pid,
            held: () => state.held,
            query: async (text, values) => {
              if (!state.held) throw new Error(`the lock ${key} is lost`);
              await client.query(text, [...values]);
            },
            release: async () => {
              state.held = false;
              await client.end().catch(() => undefined);
            },
          };
        }
        await abortableDelay(options.retryMs, options.signal);
      }
    } catch (error) {
      options.logger.warn({ err: error, key }, 'session lock: waiting failed; trying again');
      await abortableDelay(options.retryMs, options.signal);
    }
    await client.end().catch(() => undefined);
  }
  return undefined;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
