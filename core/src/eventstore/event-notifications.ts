import pg from 'pg';
import type { Logger } from '../logging/index.js';

export interface EventNotifications {
  /** Resolves when new events commit, or after `timeoutMs` (whichever is first). */
  next(timeoutMs: number): Promise<void>;
  /** Releases everyone waiting. */
  wakeAll(): void;
  close(): Promise<void>;
}

/**
 * Wakes catch-up readers of the event store when events commit: the events table NOTIFYs
 * `mindflow_events` on insert (delivered at commit). The timeout is the safety net for a lost
 * connection or notification; readers never rely on a notification to be correct.
 */
export async function listenForEvents(url: string, logger: Logger): Promise<EventNotifications> {
  const waiting = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiting]) wake();
  };
  const client = new pg.Client({ connectionString: url });
  client.on('error', (error) => logger.warn({ err: error }, 'event notifications lost; readers fall back to polling'));
  client.on('notification', wakeAll);
  await client.connect();
  await client.query('listen mindflow_events');
  return {
    next: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiting.add(done);
      }),
    wakeAll,
    close: async () => {
      wakeAll();
      await client.end().catch(() => undefined);
    },
  };
}
