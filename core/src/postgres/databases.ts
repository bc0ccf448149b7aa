import { createBreaker } from '../breaker/index.js';
import type { DatabaseConfig, DatabaseName, DatabaseUrls } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { connectPostgres, type Postgres } from './connect.js';
import { openEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.js';

/** The three databases: write (event store), read (read model), analytics. */
export interface Databases {
  readonly urls: DatabaseUrls;
  readonly embedded: boolean;
  readonly write: Postgres;
  readonly read: Postgres;
  readonly analytics: Postgres;
  close(): Promise<void>;
}

/** Connects to the configured server, or starts (or joins) the embedded PostgreSQL first. */
export async function connectDatabases(config: DatabaseConfig, logger: Logger): Promise<Databases> {
  let urls: DatabaseUrls;
  let embedded: EmbeddedPostgresHandle | undefined;
  if (config.kind === 'embedded') {
    embedded = await openEmbeddedPostgres(config.dataDir, logger);
    urls = embedded.urls;
  } else {
    urls = config.urls;
  }
  const connect = (name: DatabaseName) => connectPostgres(`postgres:${name}`, urls[name], config.poolSize);
  const write = connect('write');
  const read = connect('read');
  // The analytics database may be a server of its own (TimescaleDB): the process serves on
  // without it, behind a breaker (the write and read databases it cannot serve without).
  const analytics = connectPostgres(
    'postgres:analytics',
    urls.analytics,
    config.poolSize,
    createBreaker({ engine: 'analytics-db', timeoutMs: config.analyticsTimeoutMs ?? 2_000, logger }),
  );
  return {
    urls,
    embedded: embedded !== undefined,
    write,
    read,
    analytics,
    close: async () => {
      await Promise.all([write.close(), read.close(), analytics.close()]);
      await embedded?.stop();
    },
  };
}
