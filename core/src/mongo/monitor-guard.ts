import type { MongoClient } from 'mongodb';
import type { Logger } from '../logging/index.js';

export interface MonitorGuard {
  stop(): void;
}

/**
 * Restarts a client whose server monitor is stuck. The driver checks the server (a `hello`)
 * every heartbeat and whenever an operation fails on the network, and no operation can start
 * while the server is unknown. A check bounded by the connect time-out that never ends (seen
 * after FerretDB stopped mid-check under load: the same "connection N closed" for minutes after
 * it was back) leaves the monitor busy for good, so it never checks again and every operation
 * fails server selection. When a check has been running for `stuckMs`, the client is closed and
 * connected again (its databases and collections stay valid); until that succeeds, operations
 * fail as with the engine away, and it is tried again.
 */
export function guardMonitor(client: MongoClient, logger: Logger, stuckMs: number, everyMs = 1_000): MonitorGuard {
  /** Per server address: when its running check started. */
  const running = new Map<string, number>();
  let restarting = false;
  client.on('serverHeartbeatStarted', (event) => running.set(event.connectionId, Date.now()));
  client.on('serverHeartbeatSucceeded', (event) => running.delete(event.connectionId));
  client.on('serverHeartbeatFailed', (event) => running.delete(event.connectionId));
  client.on('topologyClosed', () => running.clear());

  const restart = async () => {
    restarting = true;
    try {
      await client.close();
      running.clear();
      await client.connect();
      logger.warn('mongodb: client connected again after its server monitor was stuck');
    } catch (error) {
      logger.warn({ err: error }, 'mongodb: connecting again failed; trying again');
    } finally {
      restarting = false;
    }
  };
  const timer = setInterval(() => {
    if (restarting) return;
    const stuck = [...running].find(([, since]) => Date.now() - since > stuckMs);
    if (stuck === undefined) return;
    logger.error(
      { server: stuck[0], checkingForMs: Date.now() - stuck[1] },
      'mongodb: the server monitor is stuck in a check; closing and connecting the client again',
    );
    void restart();
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
