import { randomUUID } from 'node:crypto';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { defaultRetention, openAuditStore } from '@mindflow/core/audit';
import { logOffset } from '@mindflow/core/bus';
import { cacheKeys, createMemoryCache } from '@mindflow/core/cache';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { ensureSearchIndex } from '@mindflow/core/search';
import { createTestDatabase, readWholeLog } from '@mindflow/core/testing';
import { searchIndexForTest } from '@mindflow/core/testing';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { auditTrail } from './audit/projection.js';
import { cacheInvalidation } from './cache/invalidation.js';
import { writeSide } from './database.js';
import {
  createDecoder,
  createErasureFence,
  type RuntimeServices,
  hostProjection,
  createProjectionMetrics,
} from '@mindflow/core/projections';
import { readModelProjection } from './read-model/projection.js';
import type { ReadModelTables } from './read-model/tables.js';
import { searchIndexing } from './search/indexing.js';
import { asDeliveries, signedInWriters } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const commands = await commandServiceForTest();
const writeDb = writeSide(commands.db);
const read = await createTestDatabase<ReadModelTables>('read');
const auditSide = connectPostgres('read', read.url, 2);
const search = searchIndexForTest();
t.teardown(async () => {
  await search.close();
  await auditSide.close();
  await read.drop();
  await commands.close();
});
const keyring = createUserKeyring(testSecrets.masterKey);

// A writer with an entry, a decoder that has opened it (and cached the key), then erasure.
const [writer] = await signedInWriters(commands.app, 1);
const userId = writer?.id ?? '';
const auth = { authorization: `Bearer ${writer?.token ?? ''}` };
const created = await commands.app.inject({
  method: 'POST',
  url: '/v1/entries',
  headers: auth,
  payload: { date: '2026-02-01', title: 'the canary title', content: 'words', mood: 'happy' },
});
const entryCreated = (await readWholeLog(writeDb)).find((event) => event.type === 'EntryCreated');
const decoder = createDecoder(keyring, writeDb);
const opened = entryCreated === undefined ? undefined : await decoder(entryCreated);
const erased = await commands.app.inject({
  method: 'DELETE',
  url: '/v1/me',
  headers: auth,
  payload: { password: writer?.password ?? '' },
});

t.test('a decoder that cached a key forgets it as soon as it sees UserErased', async (t) => {
  t.equal(created.statusCode, 201);
  t.equal(erased.statusCode, 202);
  t.match(opened?.data, { title: 'the canary title' }, 'opened while the key existed');
  const erasure = (await readWholeLog(writeDb)).find((event) => event.type === 'UserErased');
  if (entryCreated === undefined || erasure === undefined) return t.fail('no events');
  await decoder(erasure);
  const after = await decoder(entryCreated);
  t.not((after.data as { title?: unknown }).title, 'the canary title', 'not opened after UserErased');
});

t.test('an event appended after UserErased is ignored by the read model, search, audit and cache', async (t) => {
  if (entryCreated === undefined) return t.fail('no events');
  // Past every guard of the command side: straight into the events table.
  const entryId = randomUUID();
  const smuggled = randomUUID();
  await commands.db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql`
      insert into events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
      select ${smuggled}::uuid, type, schema_version, ${`entry-${entryId}`}, 1, user_id, now(),
             jsonb_set(data, '{entryId}', to_jsonb(${entryId}::text)), metadata
      from events where event_id = ${entryCreated.eventId}::uuid`.execute(trx);
  });
  const events = await readWholeLog(writeDb);
  t.equal(events.at(-1)?.eventId, smuggled, 'the event follows UserErased in the log');

  const registry = new Registry();
  const runtime: RuntimeServices = {
    metrics: createProjectionMetrics(registry),
    logger,
    erasure: createErasureFence(writeDb),
    maxAttempts: 1,
  };
  const decode = createDecoder(keyring, writeDb);
  const cache = createMemoryCache();
  const audit = await openAuditStore({ mongo: undefined, readDb: auditSide.db }, defaultRetention);
  await ensureSearchIndex(search.client, search.alias);
  const hosts = [
    hostProjection({ projection: readModelProjection, db: read.db, decode, ...runtime }),
    searchIndexing({ client: search.client, index: search.alias, writeDb, readDb: read.db, decode, runtime }),
    auditTrail({ store: audit, writeDb, readDb: read.db, decode, runtime }),
    cacheInvalidation(cache, read.db, runtime),
  ];
  for (const host of hosts) await host.handle(asDeliveries(events));

  const metrics = await registry.metrics();
  for (const host of hosts) {
    t.match(
      metrics,
      new RegExp(`mindflow_projection_erased_skipped_total\\{projection="${host.name}"\\} 1\\n`),
      host.name,
    );
  }
  t.same(await read.db.selectFrom('dead_letters').selectAll().execute(), [], 'nothing dead-lettered');
  t.same(
    await read.db.selectFrom('journal_view').select('entry_id').where('user_id', '=', userId).execute(),
    [],
    'the read model holds nothing of the user',
  );
  await search.client.indices.refresh({ index: search.alias });
  const documents = await search.client.count({ index: search.alias, query: { term: { userId } } });
  t.equal(documents.count, 0, 'no search document re-created');
  const records = await audit.list({}, 1_000);
  t.notOk(
    records.some((record) => record.eventId === smuggled),
    'no audit record of it',
  );
  const mark = await cache.get<string>(cacheKeys.userPosition(userId).key);
  const last = events.at(-1);
  t.not(
    mark,
    last && logOffset({ transactionId: last.transactionId, position: last.globalPosition }),
    'cache untouched by it',
  );
});
