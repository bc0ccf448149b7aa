import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import t from 'tap';
import { createUserKeyring, type UserKeysTables } from '../crypto/index.js';
import { appendToStream, readStream, type EventStoreTables } from '../eventstore/index.js';
import { createTestDatabase } from '../testing/index.js';
import { createEventCodec, mindflowEvents } from './index.js';

type Tables = EventStoreTables & UserKeysTables;

const store = await createTestDatabase<Tables>('write');
t.teardown(() => store.drop());
const db: Kysely<Tables> = store.db;
const keyring = createUserKeyring(randomBytes(32));
const codec = createEventCodec(mindflowEvents);

t.test('after the key is destroyed, a raw dump shows no personal data and the log still reads', async (t) => {
  const userId = randomUUID();
  const entryId = randomUUID();
  const key = await keyring.keyFor(db, userId);
  const base = { occurredAt: new Date(), userId, metadata: { ip: '198.51.100.23', userAgent: 'Safari/17' } };
  await appendToStream(db, `user-${userId}`, 0, [
    codec.encode(
      {
        ...base,
        eventId: randomUUID(),
        type: 'UserRegistered',
        data: {
          email: 'ana@example.com',
          displayName: 'Ana Sousa',
          timezone: 'Europe/Lisbon',
          language: 'pt',
          theme: 'dark',
        },
      },
      key,
    ),
  ]);
  await appendToStream(db, `entry-${entryId}`, 0, [
    codec.encode(
      {
        ...base,
        eventId: randomUUID(),
        type: 'EntryCreated',
        data: {
          entryId,
          date: '2026-11-22',
          title: 'Secret plans',
          content: 'Nobody may read this diary.',
          mood: 'anxious',
          tags: ['plans'],
          location: 'Porto',
          weather: 'rain',
          isPrivate: true,
          wordCount: 5,
          readingTime: 2,
        },
      },
      key,
    ),
  ]);

  await keyring.destroy(db, userId);

  const dump = await sql<{ row: string }>`select events::text as row from events where user_id = ${userId}`.execute(db);
  t.equal(dump.rows.length, 2, 'the events are all still there');
  const text = dump.rows.map((r) => r.row).join('\n');
  for (const secret of [
    'ana@example.com',
    'Ana Sousa',
    'Secret plans',
    'diary',
    'Porto',
    'rain',
    '198.51.100',
    'Safari',
  ]) {
    t.notMatch(text, secret, `no "${secret}" in the raw table`);
  }

  const key$ = await keyring.existingKeyFor(db, userId);
  const [registered] = (await readStream(db, `user-${userId}`)).map((e) => codec.decode(e, key$));
  const [entry] = (await readStream(db, `entry-${entryId}`)).map((e) => codec.decode(e, key$));
  t.match(registered, { type: 'UserRegistered', data: { email: null, displayName: null, language: 'pt' } });
  t.match(entry, { type: 'EntryCreated', data: { title: null, content: null, mood: 'anxious', tags: [] } });
  t.same(entry?.erased, [
    'data.content',
    'data.location',
    'data.tags',
    'data.title',
    'data.weather',
    'metadata.ip',
    'metadata.userAgent',
  ]);
});
