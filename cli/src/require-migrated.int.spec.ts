import { randomUUID } from 'node:crypto';
import type { EventStoreTables } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectDatabases } from '@mindflow/core/postgres';
import { createTestDatabase } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { requireMigrated } from './require-migrated.js';

// The CLI's gate before a command touches the data: a write database copied from another
// cluster (its commit-order keys ahead of the server's ids) is refused, as services refuse it.

const write = await createTestDatabase<EventStoreTables>('write', 2);
const read = await createTestDatabase('read', 2);
const analytics = await createTestDatabase('analytics', 2);
const databases = await connectDatabases(
  { kind: 'server', urls: { write: write.url, read: read.url, analytics: analytics.url }, poolSize: 2 },
  createLogger({ level: 'silent', pretty: false }, 'test'),
);
t.teardown(async () => {
  await databases.close();
  await Promise.all([write.drop(), read.drop(), analytics.drop()]);
});

t.test('a migrated database of this server is accepted; a copied one is refused, naming the recovery', async (t) => {
  const errors: string[] = [];
  const write$ = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => errors.push(String(chunk)) > 0;
  try {
    t.equal(await requireMigrated(databases), true, 'accepted');
    const ahead = String(5n * 2n ** 32n);
    await sql`insert into events (transaction_id, event_id, type, schema_version, stream_id, stream_version, occurred_at, data, metadata)
              values (${ahead}::xid8, ${randomUUID()}, 'Moved', 1, 'moved-1', 1, now(), '{}', '{}')`.execute(write.db);
    t.equal(await requireMigrated(databases), false, 'refused');
  } finally {
    process.stderr.write = write$;
  }
  t.match(errors.join(''), /copied from another cluster.*pg_resetwal -e 6 /);
});
