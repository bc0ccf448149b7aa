import t from 'tap';
import { randomUUID } from 'node:crypto';
import {
  chainOf,
  defaultRetention,
  openMongoAuditStore,
  openPostgresAuditStore,
  verifyChains,
  type AuditRecord,
  type AuditStore,
  type AuditTables,
} from '@mindflow/core/audit';
import { createUserKeyring } from '@mindflow/core/crypto';
import { newEventId, type RecordedEvent } from '@mindflow/core/eventstore';
import { connectMongo } from '@mindflow/core/mongo';
import { connectPostgres } from '@mindflow/core/postgres';
import { createTestDatabase, readWholeLog, silentLogger, testEngines, uniqueName } from '@mindflow/core/testing';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createDecoder } from '@mindflow/core/projections';
import { projectorDatabases } from '../database.js';
import type { ReadModelTables } from '../read-model/tables.js';
import { asDeliveries } from '../testing.js';
import { auditTrail } from './projection.js';
import { isAudited } from './records.js';

const canary = `canary-${randomUUID()}`;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Activity through the command routes: registration, a failed login, entry edits, settings. */
async function activity(app: Awaited<ReturnType<typeof commandServiceForTest>>['app']) {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const headersFrom = { 'user-agent': 'AuditTest/1.0', 'x-request-id': `req-${randomUUID()}` };
  const registered = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    headers: headersFrom,
    payload: { email, password, displayName: 'Ana', timezone: 'UTC', consent },
  });
  if (registered.statusCode !== 201) throw new Error(registered.body);
  await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: `${canary}-wrong` } });
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: headersFrom,
    payload: { email, password },
  });
  const session = login.json<{ accessToken: string; user: { id: string } }>();
  const headers = { ...headersFrom, authorization: `Bearer ${session.accessToken}` };
  const created = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers,
    payload: {
      date: '2026-11-20',
      title: `${canary} title`,
      content: `${canary} content`,
      mood: 'sad',
      tags: ['private-tag'],
    },
  });
  const entry = created.json<{ id: string }>();
  await app.inject({
    method: 'PATCH',
    url: `/v1/entries/${entry.id}`,
    headers: { ...headers, 'if-match': '"1"' },
    payload: { mood: 'happy', content: `${canary} rewritten`, title: 'Better' },
  });
  await app.inject({ method: 'DELETE', url: `/v1/entries/${entry.id}`, headers: { ...headers, 'if-match': '"2"' } });
  await app.inject({
    method: 'PUT',
    url: '/v1/me/settings',
    headers,
    payload: {
      autoSave: false,
      privateMode: true,
      emailWeeklyInsights: true,
      emailMonthlyInsights: false,
      emailReminderToWrite: true,
    },
  });
  return { userId: session.user.id, entryId: entry.id };
}

const adapters: Record<string, () => Promise<{ store: AuditStore; close(): Promise<void> }>> = {
  postgres: async () => {
    const database = await createTestDatabase<AuditTables>('read');
    return {
      store: openPostgresAuditStore(database.db, { retention: defaultRetention }),
      close: () => database.drop(),
    };
  },
  mongodb: async () => {
    const mongo = connectMongo(
      { ...testEngines().mongo, database: uniqueName('audit_trail').replace('-', '_') },
      silentLogger(),
    );
    return {
      store: await openMongoAuditStore(mongo.db, { retention: defaultRetention }),
      close: async () => {
        await mongo.db.dropDatabase();
        await mongo.close();
      },
    };
  },
};

for (const [adapter, open] of Object.entries(adapters)) {
  t.test(`audit projection on ${adapter}`, async (t) => {
    const commands = await commandServiceForTest();
    const read = await createTestDatabase<ReadModelTables>('read');
    const write = connectPostgres('write', commands.url, 5);
    const { writeDb } = projectorDatabases(write.db, write.db, write.db);
    const { store, close } = await open();
    t.teardown(async () => {
      await close();
      await write.close();
      await read.drop();
      await commands.close();
    });
    const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
    const trail = () => auditTrail({ store, writeDb, readDb: read.db, decode });
    const { userId, entryId } = await activity(commands.app);
    const events = await readWholeLog(writeDb);

    const live = trail();
    await live.handle(asDeliveries(events.slice(0, 4)));
    await live.handle(asDeliveries(events.slice(2)));
    await live.handle(asDeliveries(events));
    // A replay: offsets forgotten, every event delivered again to a new host.
    await read.db.deleteFrom('projection_offsets').execute();
    await trail().handle(asDeliveries(events));

    const records = await all(store.stream({}));
    const audited = events.filter((event) => isAudited(event.type as Parameters<typeof isAudited>[0]));
    t.equal(records.length, audited.length, 'one record per audited event');
    t.same(new Set(records.map((record) => record.eventId)), new Set(audited.map((event) => event.eventId)));
    const actions = new Set(records.map((record) => record.action));
    for (const action of [
      'ACCOUNT_CREATE',
      'GDPR_CONSENT_UPDATE',
      'LOGIN_FAILED',
      'LOGIN',
      'ENTRY_CREATE',
      'ENTRY_UPDATE',
      'ENTRY_DELETE',
      'SETTINGS_UPDATE',
    ]) {
      t.ok(actions.has(action as AuditRecord['action']), action);
    }
    const byAction = (action: string) => records.filter((record) => record.action === action);
    t.match(byAction('ENTRY_UPDATE'), [
      {
        userId,
        actorId: userId,
        dataCategory: 'journal',
        userAgent: 'AuditTest/1.0',
        ipAddress: '127.0.0.1',
        metadata: {
          entryId,
          changes: { mood: { before: 'sad', after: 'happy' } },
          changedFields: ['content', 'title'],
        },
      },
    ]);
    t.match(byAction('ENTRY_CREATE'), [{ metadata: { entryId, date: '2026-11-20', mood: 'sad' } }]);
    t.match(byAction('LOGIN_FAILED'), [
      { userId, metadata: { reason: 'wrong_password' }, dataCategory: 'authentication' },
    ]);
    t.match(byAction('LOGIN'), [{ userId, requestId: String }]);
    t.match(byAction('SETTINGS_UPDATE').at(-1), {
      metadata: { changes: { privateMode: { before: false, after: true }, autoSave: { before: true, after: false } } },
    });
    t.notOk(JSON.stringify(records).includes(canary), 'no journal text and no password in the trail');
    t.notOk(JSON.stringify(records).includes('private-tag'), 'tags are the writer’s text too');

    const today = chainOf(new Date());
    const verify = async () => verifyChains(store.chainRecords(today, today), await store.chainHeads(today, today));
    t.match(await verify(), { ok: true, checked: audited.length });

    // Erasure: the projection pseudonymizes the subject; the chain still verifies.
    const [last] = events.slice(-1) as [RecordedEvent];
    const erasure: RecordedEvent = {
      ...last,
      eventId: newEventId(),
      type: 'UserErased',
      streamId: userId,
      streamVersion: 1_000,
      globalPosition: last.globalPosition + 1,
      userId,
      data: {},
      metadata: {},
    };
    await live.handle(asDeliveries([erasure]));
    const after = await all(store.stream({}));
    t.equal(after.length, audited.length + 1, 'the erasure itself is recorded');
    t.same(await store.list({ userId }, 100), [], 'nothing is found under the erased id');
    t.ok(
      after.every((record: AuditRecord) => record.userId !== userId && record.ipAddress === null),
      'every record of the subject is under their pseudonym',
    );
    t.match(await verify(), { ok: true, checked: audited.length + 1 });
  });
}
