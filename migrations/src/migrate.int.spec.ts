import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { migrateToLatest, migrationStatus, schemaNames } from './index.js';

// Migrations depend on nothing of the application, so this test reads its server itself.
const server = process.env.WRITE_DATABASE_URL ?? '';
const uniqueName = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
const withDatabase = (url: string, database: string) =>
  Object.assign(new URL(url), { pathname: `/${database}` }).toString();

t.test('every schema migrates a fresh database, twice without change, and reports no pending step', async (t) => {
  t.match(server, /^postgres/, 'WRITE_DATABASE_URL names the PostgreSQL server (npm test sets it)');
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  t.teardown(() => admin.end());

  for (const schema of schemaNames) {
    const database = uniqueName(`migrate_${schema}`);
    await admin.query(`create database ${database}`);
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: withDatabase(server, database), max: 2 }) }),
    });
    t.teardown(async () => {
      await db.destroy();
      await admin.query(`drop database if exists ${database}`);
    });

    const before = await migrationStatus(db, schema);
    t.ok(
      before.every((m) => m.executedAt === undefined),
      `${schema}: all pending at first`,
    );
    const first = await migrateToLatest(db, schema);
    t.equal(first.length, before.length, `${schema}: applies each migration`);
    t.same(await migrateToLatest(db, schema), [], `${schema}: a second run applies nothing`);
    const after = await migrationStatus(db, schema);
    t.ok(
      after.every((m) => m.executedAt instanceof Date),
      `${schema}: none pending`,
    );
  }

  // the read schema's accent folding works as the search will use it
  const read = uniqueName('migrate_check');
  await admin.query(`create database ${read}`);
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: withDatabase(server, read), max: 1 }) }),
  });
  t.teardown(async () => {
    await db.destroy();
    await admin.query(`drop database if exists ${read}`);
  });
  await migrateToLatest(db, 'read');
  const folded = await sql<{ folded: string }>`select immutable_unaccent('Café Crème') as folded`.execute(db);
  t.equal(folded.rows[0]?.folded, 'Cafe Creme');
});
