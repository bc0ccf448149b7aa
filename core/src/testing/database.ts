import { migrateToLatest, type SchemaName } from '@mindflow/migrations';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { withDatabase } from '../config/index.js';
import { postgresPool } from '../postgres/index.js';
import { testEngines, uniqueName } from './index.js';

export interface TestDatabase<DB> {
  readonly db: Kysely<DB>;
  readonly url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A new database on the test server, migrated to the latest `schema`: each test file gets its
 * own, so suites never see each other's rows.
 */
export async function createTestDatabase<DB>(schema: SchemaName, poolSize = 10): Promise<TestDatabase<DB>> {
  const server = testEngines().databases.write;
  const name = uniqueName(`test_${schema}`).replace('-', '_');
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  // As the services reach their databases (statements prepared, losing the server survived).
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: postgresPool(url, poolSize) }) });
  await migrateToLatest(db, schema);
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      // Without FORCE: killing a connection the pool is still closing crashes the test process.
      // The pool's sockets may take a moment to close after destroy() resolves.
      const cleanup = new pg.Client({ connectionString: server });
      await cleanup.connect();
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await cleanup.query(`drop database if exists ${name}`);
            return;
          } catch (error) {
            if (attempt === 20) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        await cleanup.end();
      }
    },
  };
}
