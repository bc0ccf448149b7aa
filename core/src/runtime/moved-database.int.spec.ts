import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { withDatabase } from '../config/index.js';
import { commitOrderReach, type EventStoreTables } from '../eventstore/index.js';
import { connectPostgres } from '../postgres/index.js';
import { createTestDatabase, testEngines, uniqueName } from '../testing/index.js';
import { serve } from './serve.js';

// A write database copied from another cluster (dump and restore, logical replication) holds
// commit-order keys ahead of the new server's transaction ids. Every service starts through
// serve(), which must refuse it before any service runs, naming the recovery.

/** serve() on a write database, with the settings of no particular service (port 0, no mount). */
const start = (url: string) =>
  serve({
    name: 'moved-database-test',
    title: 'test',
    server: { port: 0, host: '127.0.0.1' },
    logging: { level: 'silent', pretty: false },
    engines: { database: { kind: 'server', urls: { write: url, read: url, analytics: url }, poolSize: 2 } },
  });

// What a dump taken on a cluster in xid epoch 3 carries into a fresh one.
const ahead = String(3n * 2n ** 32n + 1234n);

t.test('a copied event store is refused at start, with the pg_resetwal epoch that recovers it', async (t) => {
  const copy = await createTestDatabase<EventStoreTables>('write', 2);
  t.teardown(() => copy.drop());
  await sql`insert into events (transaction_id, event_id, type, schema_version, stream_id, stream_version, occurred_at, data, metadata)
            values (${ahead}::xid8, ${randomUUID()}, 'Moved', 1, 'moved-1', 1, now(), '{}', '{}')`.execute(copy.db);
  await t.rejects(start(copy.url), {
    name: 'ConfigError',
    message: /copied from another cluster.*pg_resetwal -e 4 /,
  });
});

t.test("a relay checkpoint from the old cluster is refused too, even when no event's key is ahead", async (t) => {
  const copy = await createTestDatabase<EventStoreTables>('write', 2);
  t.teardown(() => copy.drop());
  await sql`insert into relay_checkpoints (name, transaction_id, position) values ('relay', ${ahead}::xid8, 1)`.execute(
    copy.db,
  );
  await t.rejects(start(copy.url), { name: 'ConfigError', message: /pg_resetwal -e 4 / });
});

t.test('a database not migrated yet (npm start on a new data folder) has no keys to check', async (t) => {
  const server = testEngines().databases.write;
  const name = uniqueName('test_unmigrated').replace('-', '_');
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const empty = connectPostgres('write', withDatabase(server, name), 1);
  t.teardown(async () => {
    await empty.close();
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  });
  t.match(await commitOrderReach(empty.db), { storedKey: '0' });
});
