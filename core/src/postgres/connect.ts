import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Breaker } from '../breaker/index.js';
import type { HealthCheck } from '../health/index.js';
import { prepareNamedStatements, statementNames } from './prepared.js';
import { pgTypes } from './types.js';

/** One PostgreSQL database: a Kysely instance over a pg pool, and its health check. */
export interface Postgres<DB = unknown> {
  readonly db: Kysely<DB>;
  readonly health: HealthCheck;
  /** In front of getting a connection, when the database is one the process can serve without. */
  readonly breaker?: Breaker;
  close(): Promise<void>;
}

/**
 * A pool of `poolSize` connections (postgresPool). With a breaker, every connection is taken
 * through it: a server that refuses or does not answer fails the call within the breaker's timeout (the
 * connection timeout too), and at once while it is open (EngineUnavailableError: a route answers
 * 503, a projection waits it out). A connection already taken is not bounded by it.
 */
export function connectPostgres<DB = unknown>(
  name: string,
  url: string,
  poolSize: number,
  breaker?: Breaker,
): Postgres<DB> {
  const pool = postgresPool(url, poolSize, breaker?.timeoutMs ?? 5_000);
  const guarded =
    breaker === undefined ? pool : { connect: () => breaker.run(() => pool.connect()), end: () => pool.end() };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: guarded }) });
  return {
    db,
    ...(breaker === undefined ? {} : { breaker }),
    health: {
      name,
      check: async () => {
        await sql`select 1`.execute(db);
      },
    },
    close: async () => {
      await db.destroy();
      breaker?.shutdown();
    },
  };
}

/**
 * A pg pool as every MindFlow database is reached: values read as pgTypes reads them, the
 * statements run often prepared on each connection (prepared.ts), and a client losing its server
 * never crashing the process, whether idle in the pool or checked out between two statements (as
 * when a stop signal ends the embedded server mid-shutdown): its queries fail, and the next query
 * reconnects.
 */
export function postgresPool(url: string, max: number, connectionTimeoutMillis?: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: pgTypes,
    ...(connectionTimeoutMillis === undefined ? {} : { connectionTimeoutMillis }),
  });
  pool.on('error', () => undefined);
  const nameOf = statementNames();
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareNamedStatements(client, nameOf);
  });
  return pool;
}
