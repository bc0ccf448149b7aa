import { MongoClient, type Db } from 'mongodb';
import { createBreaker, type Breaker } from '../breaker/index.js';
import type { MongoConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';

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

/** A MongoDB client (works with MongoDB and FerretDB); connects lazily on first use. */
export function connectMongo(config: MongoConfig, logger: Logger): MongoConnection {
  const client = new MongoClient(config.url, {
    serverSelectionTimeoutMS: 5_000,
    appName: 'mindflow',
  });
  const db = client.db(config.database);
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
      breaker.shutdown();
      await client.close();
    },
  };
}
