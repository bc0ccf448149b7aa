import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { createUserKeyring, openValue, sealValue, vacuumUserKeys, type UserKeysTables } from './index.js';

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

/** Whether `bytes` are anywhere in the table's pages, live or dead (read through the buffer cache). */
async function inTablePages(bytes: Buffer): Promise<boolean> {
  await sql`create extension if not exists pageinspect`.execute(db);
  const found = await sql<{ found: boolean }>`
    select coalesce(bool_or(position(${bytes}::bytea in get_raw_page('user_keys', page::int)) > 0), false) as found
      from generate_series(0, pg_relation_size('user_keys') / current_setting('block_size')::int - 1) as page
  `.execute(db);
  return found.rows[0]?.found ?? false;
}

t.test('destroying the key makes what it sealed unreadable for good, and leaves no trace of it', async (t) => {
  const user = randomUUID();
  const sealed = sealValue(await keyring.keyFor(db, user), 'my secret diary', 'e1/content');
  const row = await db
    .selectFrom('user_keys')
    .select('wrapped_key')
    .where('user_id', '=', user)
    .executeTakeFirstOrThrow();
  t.ok(await inTablePages(row.wrapped_key), 'the test can see a wrapped key in the pages');
  await db.transaction().execute((trx) => keyring.destroy(trx, user));
  await vacuumUserKeys(db);
  t.equal(await keyring.existingKeyFor(db, user), undefined);
  await t.rejects(keyring.keyFor(db, user), /destroyed/, 'no new key replaces it');
  const rows = await sql`select * from user_keys where user_id = ${user}`.execute(db);
  t.equal(rows.rows.length, 0, 'no row for the user');
  t.notOk(await inTablePages(row.wrapped_key), 'no trace of the wrapped key in the table, dead rows included');
  t.throws(() => openValue(randomBytes(32), sealed, 'e1/content'), 'no other key opens it');
});
