import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { createUserKeyring, openValue, sealValue, type UserKeysTables } from './index.js';

const store = await createTestDatabase<UserKeysTables>('write');
t.teardown(() => store.drop());
const { db } = store;
const keyring = createUserKeyring(randomBytes(32));

t.test('one key per user, the same on every use, even when first asked for concurrently', async (t) => {
  const user = randomUUID();
  const keys = await Promise.all(Array.from({ length: 10 }, () => keyring.keyFor(db, user)));
  t.ok(keys.every((key) => key.equals(keys[0] ?? Buffer.alloc(0))));
  t.ok((await keyring.keyFor(db, user)).equals(keys[0] ?? Buffer.alloc(0)));
  t.not(
    (await keyring.keyFor(db, randomUUID())).toString('hex'),
    keys[0]?.toString('hex'),
    'another user, another key',
  );
});

t.test('the stored key is wrapped: useless without the master key', async (t) => {
  const user = randomUUID();
  const key = await keyring.keyFor(db, user);
  const raw = await sql<{
    dump: string;
  }>`select wrapped_key::text as dump from user_keys where user_id = ${user}`.execute(db);
  t.notMatch(raw.rows[0]?.dump ?? '', key.toString('hex'));
  const otherMaster = createUserKeyring(randomBytes(32));
  await t.rejects(otherMaster.existingKeyFor(db, user), 'another master key cannot unwrap it');
});

t.test('destroying the key makes what it sealed unreadable for good', async (t) => {
  const user = randomUUID();
  const sealed = sealValue(await keyring.keyFor(db, user), 'my secret diary', 'e1/content');
  await keyring.destroy(db, user);
  t.equal(await keyring.existingKeyFor(db, user), undefined);
  await t.rejects(keyring.keyFor(db, user), /destroyed/, 'no new key replaces it');
  const raw = await sql<{ wrapped: Buffer | null; destroyed: Date | null }>`
    select wrapped_key as wrapped, destroyed_at as destroyed from user_keys where user_id = ${user}`.execute(db);
  t.equal(raw.rows[0]?.wrapped, null, 'nothing of the key is left');
  t.type(raw.rows[0]?.destroyed, Date);
  t.throws(() => openValue(randomBytes(32), sealed, 'e1/content'), 'no other key opens it');
});
