import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { HealthCheck } from '../health/index.js';
import { pgTypes } from './types.js';

/** One PostgreSQL database: a Kysely instance over a pg pool, and its health check. */
export interface Postgres<DB = unknown> {
  readonly db: Kysely<DB>;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

export function connectPostgres<DB = unknown>(name: string, url: string, poolSize: number): Postgres<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    types: pgTypes,
  });
  // A client losing its server must not crash the process, whether idle in the pool or checked
  // out between two statements (as when a stop signal ends the embedded server mid-shutdown):
  // its queries fail, and the next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    health: {
      name,
      check: async () => {
        await sql`select 1`.execute(db);
      },
    },
    close: () => db.destroy(),
  };
}
