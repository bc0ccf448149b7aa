import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { defaultRetention, openAuditStore } from '@mindflow/core/audit';
import { createUserKeyring } from '@mindflow/core/crypto';
import { connectPostgres } from '@mindflow/core/postgres';
import { createDecoder } from '@mindflow/core/projections';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  waitFor,
} from '@mindflow/core/testing';
import t from 'tap';
import { writeSide } from '../database.js';
import type { ReadModelTables } from '../read-model/tables.js';
import { asDeliveries, signedInWriters } from '../testing.js';
import { auditTrail } from './projection.js';

t.test('a poison event for the audit trail is dead-lettered after N tries; the next events apply', async (t) => {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase<ReadModelTables>('read');
  const auditSide = connectPostgres('read', read.url, 2);
  t.teardown(async () => {
    await auditSide.close();
    await read.drop();
    await commands.close();
  });
  const writeDb = writeSide(commands.db);
  const [writer] = await signedInWriters(commands.app, 1);
  for (const day of ['2026-04-01', '2026-04-02', '2026-04-03']) {
    await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${writer?.token ?? ''}` },
      payload: { date: day, title: day, content: 'words' },
    });
  }
  // The reader holds back while older transactions of the cluster are in flight: wait for all three.
  const events = await waitFor(async () => {
    const all = await readWholeLog(writeDb);
    return all.filter((event) => event.type === 'EntryCreated').length === 3 ? all : undefined;
  });
  const created = events.filter((event) => event.type === 'EntryCreated');
  const poisoned = created[1];
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
  const audit = await openAuditStore({ mongo: undefined, readDb: auditSide.db }, defaultRetention);
  const trail = auditTrail({
    store: audit,
    writeDb,
    readDb: read.db,
    decode: async (event) => {
      if (event.eventId === poisoned?.eventId) throw new Error('this record cannot be written');
      return decode(event);
    },
    runtime: quickRuntimeServices(),
  });
  const failures = await deliverUntilDone(trail, asDeliveries(events), 20);
  t.equal(failures, 2, 'two failed deliveries, then given up on');
  const dead = await read.db.selectFrom('dead_letters').selectAll().execute();
  t.match(dead, [{ projection: 'audit', event_id: poisoned?.eventId, attempts: 3, error: /cannot be written/ }]);
  const recorded = new Set((await audit.list({}, 1_000)).map((record) => record.eventId));
  t.ok(recorded.has(created[0]?.eventId ?? '') && recorded.has(created[2]?.eventId ?? ''), 'the events around it');
  t.notOk(recorded.has(poisoned?.eventId ?? ''));
});
