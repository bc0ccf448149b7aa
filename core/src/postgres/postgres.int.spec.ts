import { sql } from 'kysely';
import t from 'tap';
import { testEngines, uniqueName } from '../testing/index.js';
import { connectPostgres } from './connect.js';

interface SmokeTable {
  id: number;
  title: string;
}

t.test('pg + kysely against the real PostgreSQL: schema, insert, select, unique violation', async (t) => {
  const { databases } = testEngines();
  const postgres = connectPostgres<Record<string, SmokeTable>>('postgres:write', databases.write, 2);
  t.teardown(() => postgres.close());
  const table = uniqueName('smoke').replace('-', '_');

  await sql`create table ${sql.table(table)} (id int primary key, title text not null)`.execute(postgres.db);
  t.teardown(() => sql`drop table if exists ${sql.table(table)}`.execute(postgres.db));

  await postgres.db
    .insertInto(table)
    .values([
      { id: 1, title: 'Café' },
      { id: 2, title: 'run' },
    ])
    .execute();
  const rows = await postgres.db.selectFrom(table).selectAll().orderBy('id').execute();
  t.same(rows, [
    { id: 1, title: 'Café' },
    { id: 2, title: 'run' },
  ]);

  await t.rejects(postgres.db.insertInto(table).values({ id: 1, title: 'again' }).execute(), { code: '23505' });
  const version = await sql<{ server_version_num: string }>`show server_version_num`.execute(postgres.db);
  t.ok(Number(version.rows[0]?.server_version_num) >= 150000, 'PostgreSQL 15 or newer');
  await t.resolves(postgres.health.check());
});

t.test('the health check fails against a port where nothing listens', async (t) => {
  const postgres = connectPostgres('postgres:write', 'postgres://nobody:x@127.0.0.1:1/none', 1);
  t.teardown(() => postgres.close());
  await t.rejects(postgres.health.check());
});
