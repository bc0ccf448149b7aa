import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { Kysely, PostgresDialect } from 'kysely';
import { migrateToLatest } from '../index.js';

// The invariants the write tables enforce whatever the code above them does.
const server = process.env.WRITE_DATABASE_URL ?? '';
const name = `write_tables_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`create database ${name}`);
const url = Object.assign(new URL(server), { pathname: `/${name}` }).toString();
const client = new pg.Client({ connectionString: url });
await client.connect();
t.teardown(async () => {
  await client.end();
  await admin.query(`drop database if exists ${name}`);
  await admin.end();
});
const db = new Kysely<unknown>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
});
await migrateToLatest(db, 'write');
await db.destroy();

async function user(email: string): Promise<string> {
  const id = randomUUID();
  await client.query(`insert into users (id, email, password_hash, display_name) values ($1, $2, 'x', 'Ana')`, [
    id,
    email,
  ]);
  return id;
}

t.test('emails are unique whatever their case, among accounts not deleted', async (t) => {
  const id = await user('Ana@Example.com');
  await t.rejects(user('ana@example.COM'), { code: '23505', constraint: 'users_email_unique' });
  await client.query('update users set deleted_at = now() where id = $1', [id]);
  await t.resolves(user('ana@example.com'), 'a deleted account frees its email');
});

t.test('one entry per user per date, among entries not deleted', async (t) => {
  const owner = await user(`${randomUUID()}@example.com`);
  const entry = (id = randomUUID()) =>
    client.query(
      `insert into journal_entries (id, user_id, entry_date, title, content) values ($1, $2, '2026-11-22', 'T', '')`,
      [id, owner],
    );
  const first = randomUUID();
  await entry(first);
  await t.rejects(entry(), { code: '23505', constraint: 'journal_entries_one_per_day' });
  await client.query('update journal_entries set deleted_at = now() where id = $1', [first]);
  await t.resolves(entry(), 'a deleted entry frees its date');
});

t.test('the tables refuse values outside the spec', async (t) => {
  const owner = await user(`${randomUUID()}@example.com`);
  const insert = (column: string, value: unknown) =>
    client.query(
      `insert into journal_entries (id, user_id, entry_date, title, content, ${column}) values ($1, $2, '2026-01-01', 'T', '', $3)`,
      [randomUUID(), owner, value],
    );
  await t.rejects(insert('mood', 'elated'), { code: '23514' });
  await t.rejects(insert('word_count', -1), { code: '23514' });
  await t.rejects(
    client.query(`insert into tags (name) values ('Work')`),
    { code: '23514' },
    'tags are stored normalized',
  );
  await t.rejects(client.query(`update users set roles = '{root}' where id = $1`, [owner]), { code: '23514' });
});
