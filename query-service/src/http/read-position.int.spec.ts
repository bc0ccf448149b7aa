import { randomUUID } from 'node:crypto';
import { logOffset } from '@mindflow/core/bus';
import { AppError } from '@mindflow/core/errors';
import {
  appendToStream,
  newEventId,
  readStream,
  type EventStoreTables,
  type NewEvent,
} from '@mindflow/core/eventstore';
import type { ReadViews } from '@mindflow/core/read-model';
import { createTestDatabase } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { awaitReadPoint } from './read-position.js';

const write = await createTestDatabase<EventStoreTables>('write');
const read = await createTestDatabase<ReadViews>('read');
t.teardown(async () => {
  await write.drop();
  await read.drop();
});
const userId = randomUUID();
const event = (type: string): NewEvent => ({
  eventId: newEventId(),
  type,
  schemaVersion: 1,
  occurredAt: new Date(),
  userId,
  data: {},
  metadata: {},
});

t.test('a write is waited for by its commit-order key, not its position (regression)', async (t) => {
  // Two overlapping transactions of one user: the older transaction takes the later position,
  // so it commits first in commit order, with a position above the other's.
  let older: { position: number } | undefined;
  let newer: { position: number } | undefined;
  await write.db.transaction().execute(async (first) => {
    await sql`select pg_current_xact_id()`.execute(first);
    newer = await appendToStream(write.db, `device-b-${userId}`, 'any', [event('UserLoggedIn')]);
    older = await appendToStream(first, `device-a-${userId}`, 'any', [event('UserLoggedIn')]);
  });
  if (older === undefined || newer === undefined) throw new Error('appends');
  t.ok(older.position > newer.position, 'positions run against commit order');
  const [a] = await readStream(write.db, `device-a-${userId}`);
  const [b] = await readStream(write.db, `device-b-${userId}`);
  if (a === undefined || b === undefined) throw new Error('events');
  const keyOf = (e: typeof a) => logOffset({ transactionId: e.transactionId, position: e.globalPosition });
  t.ok(keyOf(a) < keyOf(b), 'and in commit order the later position comes first');

  // The read model has applied the first in commit order only: its position is already past the other's.
  await sql`
    insert into profile_view (user_id, timezone, language, theme, settings, joined_at, updated_at, position, read_key)
    values (${userId}, 'UTC', 'en', 'system', '{}', now(), now(), ${a.globalPosition}, ${keyOf(a)})
  `.execute(read.db);
  await t.rejects(
    awaitReadPoint(read.db, write.db, userId, b.globalPosition, 300),
    AppError,
    'a position below the read position still waits for the write it names',
  );
  await sql`update profile_view set read_key = '', position = ${b.globalPosition - 1} where user_id = ${userId}`.execute(
    read.db,
  );
  await t.rejects(
    awaitReadPoint(read.db, write.db, userId, b.globalPosition, 300),
    AppError,
    'a point from before keys were kept compares positions',
  );
  await sql`update profile_view set position = ${a.globalPosition} where user_id = ${userId}`.execute(read.db);
  t.match(await awaitReadPoint(read.db, write.db, userId, b.globalPosition, 300), { key: '' }, 'as the upgrade path');
  await sql`update profile_view set read_key = ${keyOf(b)} where user_id = ${userId}`.execute(read.db);
  t.match(await awaitReadPoint(read.db, write.db, userId, b.globalPosition, 300), { key: keyOf(b) });
  t.match(
    await awaitReadPoint(read.db, write.db, userId, b.globalPosition + 1_000, 300),
    { key: keyOf(b) },
    "a position past all of the user's events waits for nothing more",
  );
});
