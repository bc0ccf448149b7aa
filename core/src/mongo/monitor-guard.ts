import type { MongoClient } from 'mongodb';
import type { Logger } from '../logging/index.js';

export interface MonitorGuard {
  stop(): void;
}

/** What of the driver the guard reaches: each server's monitor, to start it again. */
interface Monitored {
  topology?: { s?: { servers?: Map<string, { monitor?: { close(): void; connect(): void } }> } };
}

/**
 * Starts again a server monitor that is stuck in a check. The driver checks the server (a
 * `hello`) every heartbeat and whenever an operation fails on the network, and no operation can
 * start while the server is unknown. A check bounded by the connect time-out that never ends
 * (seen after FerretDB stopped mid-check under load: the same "connection N closed" for minutes
 * after it was back) leaves the monitor busy for good: it never checks again, and every
 * operation fails server selection. When a check has been running for `stuckMs`, that monitor is
 * closed and started again (a fresh connection, a check at once); the client, its pools, its
 * databases and collections stay as they are. (Closing the whole client instead waits on the
 * stuck check, and fails every operation meanwhile with "Topology is closed".)
 */
export function guardMonitor(client: MongoClient, logger: Logger, stuckMs: number, everyMs = 1_000): MonitorGuard {
  /** Per server address: when its running check started. */
  const running = new Map<string, number>();
  client.on('serverHeartbeatStarted', (event) => running.set(event.connectionId, Date.now()));
  client.on('serverHeartbeatSucceeded', (event) => running.delete(event.connectionId));
  client.on('serverHeartbeatFailed', (event) => running.delete(event.connectionId));
  client.on('topologyClosed', () => running.clear());

  const timer = setInterval(() => {
    for (const [address, since] of running) {
      if (Date.now() - since <= stuckMs) continue;
      running.delete(address);
      const monitor = (client as unknown as Monitored).topology?.s?.servers?.get(address)?.monitor;
      logger.error(
        { server: address, checkingForMs: Date.now() - since, restarted: monitor !== undefined },
        'mongodb: the server monitor is stuck in a check; starting it again',
      );
      monitor?.close();
      monitor?.connect();
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
