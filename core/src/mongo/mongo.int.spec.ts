import t from 'tap';
import { MongoServerError } from 'mongodb';
import { isRetriable } from '../projections/retriable.js';
import { silentLogger, startTcpProxy, testEngines, uniqueName } from '../testing/index.js';
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

t.test('a server that takes a write and never answers fails it within the socket time-out, as an outage', async (t) => {
  const engine = testEngines().mongo;
  const target = new URL(engine.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  target.port = String(proxy.port);
  const { db, close } = connectMongo({ ...engine, url: target.toString() }, silentLogger(), { socketTimeoutMs: 1_000 });
  const collection = db.collection<{ n: number }>(uniqueName('silent'));
  t.teardown(async () => {
    await proxy.restore();
    await collection.drop().catch(() => undefined);
    await close();
    await proxy.close();
  });
  await collection.insertOne({ n: 1 });

  proxy.silence();
  const started = Date.now();
  const error = await collection.insertOne({ n: 2 }).catch((caught: unknown) => caught);
  const waited = Date.now() - started;
  t.ok(error instanceof Error, `the write failed (${String(error)})`);
  t.ok(isRetriable(error), 'as an engine away: the projection waits it out and tries again');
  t.ok(waited < 10_000, `within the time-out, not for good (${waited} ms)`);

  await proxy.restore();
  await collection.insertOne({ n: 3 });
  t.ok((await collection.countDocuments({ n: 3 })) === 1, 'the next write goes through once the server answers');
});
