import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring, sealValue } from '@mindflow/core/crypto';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { createDecoder } from '@mindflow/core/projections';
import { createTestDatabase, readWholeLog } from '@mindflow/core/testing';
import t from 'tap';
import { readModelSnapshot, signedInWriters } from '../testing.js';
import { readModelProjection } from './projection.js';
import type { ReadModelTables } from './tables.js';

// The read model folds a batch's entry events in memory and writes each table once. Whatever
// the batches (one event each, the whole log at once, cuts at every size), and however often
// a batch comes again, the views must be the same: the fold must replay, not summarise.
const commands = await commandServiceForTest();
t.teardown(() => commands.close());
const { app } = commands;
const [ana, bea] = await signedInWriters(app, 2, 'Europe/Lisbon');
if (ana === undefined || bea === undefined) throw new Error('two writers');

const versions = new Map<string, number>();
const refusals: string[] = [];
/** A command as a client sends it (If-Match with the version it knows); refused ones are left out of the log. */
async function command(token: string, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const id = /\/v1\/entries\/([0-9a-f-]{36})/.exec(url)?.[1];
  const version = id === undefined ? undefined : versions.get(id);
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(version === undefined ? {} : { 'if-match': `"${version}"` }) },
    ...(payload === undefined ? {} : { payload }),
  });
  if (response.statusCode >= 500) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  if (response.statusCode >= 300) {
    refusals.push(`${method} ${url.replace(/[0-9a-f-]{36}/, '{id}')} ${response.statusCode} ${response.body}`);
    return { refused: response.statusCode };
  }
  const body = response.json<{ id?: string; version?: number }>();
  if (body.id !== undefined && body.version !== undefined && url.includes('/entries'))
    versions.set(body.id, body.version);
  return body;
}

// A busy history: tags moved and removed, days changed and shared by two entries, moods
// cleared, deletions and restorations, a profile change between entries, two writers interleaved.
for (const writer of [ana, bea]) {
  const ids: string[] = [];
  for (let day = 1; day <= 6; day++) {
    const created = await command(writer.token, 'POST', '/v1/entries', {
      date: `2026-11-0${day}`,
      title: `Day ${day}`,
      content: 'words',
      mood: day % 2 === 0 ? 'happy' : 'sad',
      tags: day % 3 === 0 ? ['run'] : ['run', 'read'],
    });
    if (!('id' in created) || created.id === undefined) throw new Error(`entry refused: ${JSON.stringify(created)}`);
    ids.push(created.id);
  }
  const [a = '', b = '', c = '', d = '', e = ''] = ids;
  await command(writer.token, 'PATCH', `/v1/entries/${a}`, { tags: ['swim'], mood: 'neutral' });
  await command(writer.token, 'PATCH', `/v1/entries/${b}`, { date: '2026-11-08' });
  await command(writer.token, 'DELETE', `/v1/entries/${b}`);
  await command(writer.token, 'PATCH', `/v1/entries/${c}`, { mood: null, tags: [] });
  await command(writer.token, 'DELETE', `/v1/entries/${d}`);
  await command(writer.token, 'POST', `/v1/entries/${d}/restore`);
  await command(writer.token, 'PATCH', `/v1/entries/${d}`, { title: 'back', tags: ['run', 'back'] });
  await command(writer.token, 'PATCH', '/v1/me', { displayName: `${writer.email.slice(0, 4)} renamed` });
  await command(writer.token, 'PATCH', `/v1/entries/${e}`, { date: '2026-11-09', tags: ['read'] });
  await command(writer.token, 'POST', '/v1/entries', {
    date: '2026-11-05',
    title: 'Late',
    content: 'x',
    tags: ['run'],
  });
  await command(writer.token, 'DELETE', `/v1/entries/${a}`);
}

const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);
const events: DecodedEvent<MindflowEvents>[] = [];
for (const event of await readWholeLog(commands.db)) events.push(await decode(event));

/** A fresh read model with the log applied in batches of `size` (each batch in one transaction), `times` over. */
async function appliedInBatches(size: number, times = 1) {
  const read = await createTestDatabase<ReadModelTables>('read');
  try {
    for (let round = 0; round < times; round++) {
      for (let start = 0; start < events.length; start += size) {
        await read.db.transaction().execute((trx) => readModelProjection.apply(trx, events.slice(start, start + size)));
      }
    }
    return await readModelSnapshot(read.db);
  } finally {
    await read.drop();
  }
}

t.test('however the log is cut into batches, and however often they come, the views are the same', async (t) => {
  t.same(refusals, [], 'every command of the history was accepted');
  t.ok(events.filter((event) => event.type.startsWith('Entry')).length >= 30, `${events.length} events in the log`);
  const oneByOne = await appliedInBatches(1);
  t.ok((oneByOne.mood_calendar?.length ?? 0) > 0 && (oneByOne.tag_counts?.length ?? 0) > 0, 'the views hold something');
  t.same(await appliedInBatches(events.length), oneByOne, 'the whole log in one batch');
  for (const size of [2, 3, 5, 8, 13]) t.same(await appliedInBatches(size), oneByOne, `batches of ${size}`);
  t.same(await appliedInBatches(events.length, 2), oneByOne, 'the whole log twice');
  t.same(await appliedInBatches(7, 3), oneByOne, 'batches of 7, three times');
});

t.test('text sealed before the door checked it (a lone surrogate, U+0000) is read as U+FFFD and written', async (t) => {
  const recorded = (await readWholeLog(commands.db)).find((event) => event.type === 'EntryCreated');
  if (recorded?.userId == null) throw new Error('an entry in the log');
  // Sealed as the codec seals, with what the door refuses today.
  const key = await createUserKeyring(testSecrets.masterKey).existingKeyFor(commands.db, recorded.userId);
  if (key === undefined) throw new Error("the writer's key");
  const sealed = (field: string, value: unknown) => sealValue(key, value, `${recorded.eventId}/data.${field}`);
  const old: RecordedEvent = {
    ...recorded,
    data: {
      ...recorded.data,
      title: sealed('title', 'half \ud83d a face'),
      content: sealed('content', 'a path C:\\ud800 stays as typed, a low half \udc00 goes, so does \u0000'),
      tags: sealed('tags', ['x\udfff']),
    },
  };
  const odd = await decode(old);
  const entryId = String(recorded.data.entryId);
  const read = await createTestDatabase<ReadModelTables>('read');
  t.teardown(() => read.drop());
  await read.db.transaction().execute((trx) => readModelProjection.apply(trx, [odd]));
  const row = await read.db
    .selectFrom('journal_view')
    .select(['title', 'content', 'tags'])
    .where('entry_id', '=', entryId)
    .executeTakeFirstOrThrow();
  t.same(row, {
    title: 'half \ufffd a face',
    content: 'a path C:\\ud800 stays as typed, a low half \ufffd goes, so does \ufffd',
    tags: ['x\ufffd'],
  });
  const history = await read.db
    .selectFrom('entry_history')
    .select('changes')
    .where('entry_id', '=', entryId)
    .executeTakeFirstOrThrow();
  t.match(history.changes, { title: 'half \ufffd a face', tags: ['x\ufffd'] }, 'and so is its history');
});
