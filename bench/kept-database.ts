import { withDatabase } from '@mindflow/core/config';
import { testEngines } from '@mindflow/core/testing';
import pg from 'pg';

/**
 * The URL of a database on the test server that benches keep by name across runs, so that
 * what they seed once is there the next time; created when missing.
 */
export async function keptDatabase(name: string): Promise<string> {
  const server = testEngines().databases.write;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    if ((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 0) {
      await admin.query(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  return withDatabase(server, name);
}
