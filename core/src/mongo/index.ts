import { MongoClient, type Db } from 'mongodb';
import type { MongoConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** A MongoDB client (works with MongoDB and FerretDB); connects lazily on first use. */
export function connectMongo(config: MongoConfig): MongoConnection {
  const client = new MongoClient(config.url, {
    serverSelectionTimeoutMS: 5_000,
    appName: 'mindflow',
  });
  const db = client.db(config.database);
  return {
    client,
    db,
    health: {
      name: 'mongodb',
      check: async () => {
        await db.command({ ping: 1 });
      },
    },
    close: () => client.close(),
  };
}
