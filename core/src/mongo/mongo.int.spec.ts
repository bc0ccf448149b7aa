import t from 'tap';
import { MongoServerError } from 'mongodb';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { connectMongo } from './index.js';

t.test('mongodb driver against the real MongoDB-protocol server: insert, unique index, find', async (t) => {
  const { db, health, close } = connectMongo(testEngines().mongo, silentLogger());
  const collection = db.collection<{ eventId: string; action: string; at: Date }>(uniqueName('smoke'));
  t.teardown(async () => {
    await collection.drop().catch(() => undefined);
    await close();
  });
  await t.resolves(health.check());

  await collection.createIndex({ eventId: 1 }, { unique: true });
  const at = new Date('2026-11-22T10:00:00Z');
  await collection.insertMany([
    { eventId: 'e1', action: 'LOGIN', at },
    { eventId: 'e2', action: 'ENTRY_CREATE', at },
  ]);
  const duplicate = await collection.insertOne({ eventId: 'e1', action: 'LOGIN', at }).catch((error: unknown) => error);
  t.ok(duplicate instanceof MongoServerError && duplicate.code === 11000, 'the unique index refuses a duplicate');

  const found = await collection.find({ action: 'ENTRY_CREATE' }, { projection: { _id: 0 } }).toArray();
  t.same(found, [{ eventId: 'e2', action: 'ENTRY_CREATE', at }]);
  t.equal(await collection.countDocuments(), 2);
});
