import t from 'tap';
import { ensureAuditIndexes } from '@mindflow/migrations';
import { connectMongo } from '../mongo/index.js';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { auditStoreContract } from './audit-store.contract.js';
import { openMongoAuditStore } from './mongo-audit-store.js';

// FerretDB writes some 1,500 records a second: seeding the 100,000-record export takes a while.
t.setTimeout(600_000);

// And one of the export's commands passed the client's 60 s socket time-out, with other suites
// loading the machine: this suite's client waits longer (the export's memory is what it tests).
const mongo = connectMongo(
  { ...testEngines().mongo, database: uniqueName('audit').replace('-', '_') },
  silentLogger(),
  { socketTimeoutMs: 300_000 },
);
const logs = mongo.db.collection('audit_logs');

auditStoreContract(t, {
  open: (retention) => openMongoAuditStore(mongo.db, { retention }),
  modify: async (eventId, field, value) => {
    await logs.updateOne({ eventId }, { $set: { [field]: value } });
  },
  remove: async (eventId) => {
    await logs.deleteOne({ eventId });
  },
  swap: async (first, second) => {
    const [a, b] = await Promise.all([logs.findOne({ eventId: first }), logs.findOne({ eventId: second })]);
    if (a === null || b === null) throw new Error('no such records');
    await logs.updateOne({ eventId: first }, { $set: { seq: -1 } });
    await logs.updateOne({ eventId: second }, { $set: { seq: a.seq } });
    await logs.updateOne({ eventId: first }, { $set: { seq: b.seq } });
  },
  clear: async () => {
    // Dropped, not emptied: FerretDB cannot delete 100,000 documents in one statement.
    for (const name of [
      'audit_logs',
      'audit_chains',
      'audit_subjects',
      'audit_holds',
      'application_logs',
      'api_requests',
    ]) {
      await mongo.db
        .collection(name)
        .drop()
        .catch(() => undefined);
    }
    await ensureAuditIndexes(mongo.db);
  },
  close: async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
  },
});
