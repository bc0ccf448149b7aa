import { MongoClient, type Db } from 'mongodb';
import { createBreaker, type Breaker } from '../breaker/index.js';
import type { MongoConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';
import { guardMonitor } from './monitor-guard.js';

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  /**
   * Request-serving calls (compliance reads, the audit record of a query) go through it: they
   * fail within `config.timeoutMs`, and at once while it is open. The audit projection's writes
   * do not: they wait an outage out.
   */
  readonly breaker: Breaker;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** How long a call may wait on its socket for the server's answer. */
export const socketTimeoutMs = 60_000;
/** How long connecting, and each check of the server by the driver's monitor, may take. */
export const connectTimeoutMs = 10_000;

/** A MongoDB client (works with MongoDB and FerretDB); connects lazily on first use. */
export function connectMongo(
  config: MongoConfig,
  logger: Logger,
  options: {
    readonly socketTimeoutMs?: number;
    /** A monitor check running this long is stuck (default: the connect time-out and 5 s). */
    readonly stuckCheckMs?: number;
  } = {},
): MongoConnection {
  const client = new MongoClient(config.url, {
    serverSelectionTimeoutMS: 5_000,
    // A server that takes a request and never answers (stopped mid-request, stuck on its own
    // backend) fails the call after this, as an outage, rather than holding its caller for good:
    // the audit projection would otherwise stall without an error. No single call takes this long.
    socketTimeoutMS: options.socketTimeoutMs ?? socketTimeoutMs,
    connectTimeoutMS: connectTimeoutMs,
    appName: 'mindflow',
  });
  const db = client.db(config.database);
  const guard = guardMonitor(client, logger, options.stuckCheckMs ?? connectTimeoutMs + 5_000);
  const breaker = createBreaker({ engine: 'mongodb', timeoutMs: config.timeoutMs, logger });
  return {
    client,
    db,
    breaker,
    health: {
      name: 'mongodb',
      check: async () => {
        await breaker.run(() => db.command({ ping: 1 }));
      },
    },
    close: async () => {
      guard.stop();
      breaker.shutdown();
      await client.close();
    },
  };
}
