import { sql, type Kysely } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { statementNames } from './prepared.js';

// The statements run often are named, so PostgreSQL parses and plans them once per connection.
// What must not change: what they read. A named statement whose table is swapped underneath (as
// a rebuild swaps the read model's), or whose search path changes (as a rebuild writes its
// shadow tables), reads what an unnamed one would. One connection, so every run meets the same
// session's prepared statements.
const store = await createTestDatabase<Record<string, never>>('write', 1);
t.teardown(() => store.drop());
const db = store.db;

await sql`create table notes (id int primary key, body text not null)`.execute(db);
await sql`insert into notes values (1, 'first')`.execute(db);
const bodyOf = async (id: number, on: Kysely<Record<string, never>> = db) =>
  (await sql<{ body: string }>`select body from notes where id = ${id}`.execute(on)).rows[0]?.body;
const prepared = async () =>
  (
    await sql<{
      statement: string;
    }>`select statement from pg_prepared_statements where statement like '%from notes%'`.execute(db)
  ).rows.map((row) => row.statement);

t.test('a statement run a few times is prepared once on its connection, and reads the same', async (t) => {
  for (let i = 0; i < 5; i += 1) t.equal(await bodyOf(1), 'first');
  t.same(await prepared(), ['select body from notes where id = $1'], 'one named statement, its text as sent');
});

t.test('a table swapped underneath (renamed away, another renamed in) is read anew', async (t) => {
  await sql`create table notes_next (id int primary key, body text not null)`.execute(db);
  await sql`insert into notes_next values (1, 'rebuilt')`.execute(db);
  await sql`alter table notes rename to notes_old`.execute(db);
  await sql`alter table notes_next rename to notes`.execute(db);
  t.equal(await bodyOf(1), 'rebuilt');
  await sql`drop table notes_old`.execute(db);
  t.equal(await bodyOf(1), 'rebuilt', 'and once the old one is dropped');
});

t.test('another search path reads the table it names', async (t) => {
  await sql`create schema shadow`.execute(db);
  await sql`create table shadow.notes (id int primary key, body text not null)`.execute(db);
  await sql`insert into shadow.notes values (1, 'shadow')`.execute(db);
  await sql`set search_path to shadow, public`.execute(db);
  t.equal(await bodyOf(1), 'shadow');
  await sql`set search_path to public`.execute(db);
  t.equal(await bodyOf(1), 'rebuilt');
});

t.test('a column added by a migration while statements of * run: none of them fails', async (t) => {
  const whole = (db: Kysely<Record<string, never>>) =>
    sql<Record<string, unknown>>`select * from notes where id = ${1}`.execute(db);
  for (let i = 0; i < 5; i += 1) t.same((await whole(db)).rows[0], { id: 1, body: 'rebuilt' });
  for (let i = 0; i < 5; i += 1) await db.transaction().execute(whole);
  await sql`alter table notes add column mood text`.execute(db);
  t.same(
    (await db.transaction().execute(whole)).rows[0],
    { id: 1, body: 'rebuilt', mood: null },
    'inside a transaction',
  );
  t.same((await whole(db)).rows[0], { id: 1, body: 'rebuilt', mood: null }, 'outside one');
  t.notOk(
    (await prepared()).some((text) => text.includes('*')),
    'a statement of * is never named',
  );
});

t.test("a named statement's column changes type: prepared again, at once outside a transaction", async (t) => {
  for (let i = 0; i < 5; i += 1) t.equal(await bodyOf(1), 'rebuilt');
  await sql`alter table notes alter column body type varchar(200)`.execute(db);
  t.equal(await bodyOf(1), 'rebuilt');
});

t.test('inside a transaction, that transaction fails once; the next one reads', async (t) => {
  const body = (trx: Kysely<Record<string, never>>) => bodyOf(1, trx);
  for (let i = 0; i < 5; i += 1) await db.transaction().execute(body);
  await sql`alter table notes alter column body type text`.execute(db);
  await t.rejects(db.transaction().execute(body), { code: '0A000' }, 'PostgreSQL refuses the old plan');
  t.equal(await db.transaction().execute(body), 'rebuilt');
});

t.test('which texts are named: often run, with parameters, short, and no more than the limit', async (t) => {
  const nameOf = statementNames({ after: 3, limit: 2, maxLength: 40 });
  t.same(
    ['select $1', 'select $1', 'select $1'].map(nameOf).slice(0, 2),
    [undefined, undefined],
    'not before the third run',
  );
  const named = nameOf('select $1');
  t.match(named, /^mf_[\w-]{27}$/, 'named on it');
  t.equal(nameOf('select $1'), named, 'the same name every time after');
  t.equal(nameOf(`select ${'x'.repeat(40)}`), undefined);
  for (let i = 0; i < 3; i += 1) nameOf('select $2');
  for (let i = 0; i < 3; i += 1) t.equal(nameOf('select $3'), undefined, 'past the limit, nothing new is named');
  t.equal(nameOf('select $1'), named, 'and what was named stays');
  const fresh = statementNames({ after: 1, limit: 10, maxLength: 200 });
  for (const text of [
    'select * from t where a = $1',
    'select "t".* from t where a = $1',
    'insert into t values ($1) returning *',
    'select "s"."t".* from s.t where a = $1',
    'select s.t.* from s.t where a = $1',
    'select (t).* from t where a = $1',
    'delete from t where a = $1 returning "t".*;',
    'select\n  *\nfrom t where a = $1',
  ])
    t.equal(fresh(text), undefined, `unnamed: ${text}`);
  t.match(fresh('select count(*) from t where a = $1'), /^mf_/, 'count(*) is named');
});
