import { randomUUID } from 'node:crypto';
import { testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { currentSearchIndex } from '@mindflow/core/search';
import { appendToStream, newEventId } from '@mindflow/core/eventstore';
import { readWholeLog, searchIndexForTest, waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { createDecoder } from '@mindflow/core/projections';
import { projectorForTest, signedInWriters } from '../testing.js';
import { lateVersions } from '../late-versions.js';
import { indexEvents } from './indexing.js';
import { reindexSearch } from './reindex.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const search = searchIndexForTest();
const { alias } = search;
const setup = await projectorForTest({ kafka: false, logger, search: { client: search.client, alias } });
t.teardown(async () => {
  await setup.close();
  await search.close();
});
const { app, db } = setup.commands;
const writers = await signedInWriters(app, 3);

let last = 0;
let day = 0;
async function write(token: string) {
  day += 1;
  const date = new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${token}` },
    payload: { date, title: `Entry ${String(day)}`, content: `words of day ${String(day)} ${randomUUID()}` },
  });
  const created = response.json<{ id: string; position: number }>();
  last = Math.max(last, created.position);
  return created.id;
}

t.test('a full reindex while writing loses nothing and swaps the alias to a new index', async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) ids.push(await write(writers[i % 3]?.token ?? ''));
  const before = await currentSearchIndex(search.client, alias);

  const run = { writing: true };
  let writtenDuring = 0;
  const during = (async () => {
    let i = 0;
    while (run.writing) {
      const token = writers[i % 3]?.token ?? '';
      ids.push(await write(token));
      writtenDuring += 1;
      if (i % 3 === 0) {
        // Updates and restores of writer 1's entries (some deleted below), whatever their version.
        const target = ids[i % ids.length] ?? '';
        const authorization = `Bearer ${writers[1]?.token ?? ''}`;
        const edited = await app.inject({
          method: 'PATCH',
          url: `/v1/entries/${target}`,
          headers: { authorization },
          payload: { content: `edited during the reindex ${String(i)}`, mood: 'happy', tags: [`t${String(i % 4)}`] },
        });
        if (edited.statusCode === 200) last = Math.max(last, edited.json<{ position: number }>().position);
        const restored = await app.inject({
          method: 'POST',
          url: `/v1/entries/${target}/restore`,
          headers: { authorization },
        });
        if (restored.statusCode === 200) last = Math.max(last, restored.json<{ position: number }>().position);
      }
      if (i % 5 === 0) {
        const gone = ids.shift() ?? '';
        const deleted = await app.inject({
          method: 'DELETE',
          url: `/v1/entries/${gone}`,
          headers: { authorization: `Bearer ${writers[0]?.token ?? ''}` },
        });
        if (deleted.statusCode !== 200)
          ids.unshift(gone); // not this writer's entry: it stays
        else last = Math.max(last, deleted.json<{ position: number }>().position);
      }
      i += 1;
    }
  })();
  const index = await reindexSearch({
    client: search.client,
    alias,
    writeDb: db,
    decode: createDecoder(createUserKeyring(testSecrets.masterKey), db),
    batchSize: 25,
  });
  run.writing = false;
  await during;
  for (let i = 0; i < 5; i++) ids.push(await write(writers[i % 3]?.token ?? ''));

  t.ok(writtenDuring > 0, `${String(writtenDuring)} entries written while it ran`);
  t.not(index, before, 'a new index');
  t.equal(await currentSearchIndex(search.client, alias), index, 'the alias points at it');
  t.notOk(await search.client.indices.exists({ index: before }), 'the old index is gone');

  const live = setup.projector.projections.find((projection) => projection.name === 'search');
  await waitFor(async () => ((live?.lastPosition() ?? 0) >= last ? true : undefined), 15_000, 'live search projection');
  await search.client.indices.refresh({ index: alias });
  const expected = (await db.selectFrom('journal_entries').select('id').where('deleted_at', 'is', null).execute()).map(
    (row) => row.id,
  );
  const indexed = await search.client.search<{ id: string }>({ index: alias, size: 10_000, _source: ['id'] });
  t.ok(expected.length > 60, `${String(expected.length)} entries, some written during the reindex`);
  t.same(
    indexed.hits.hits.map((hit) => hit._source?.id).sort(),
    expected.sort(),
    'the index holds exactly the entries that exist: none lost, none deleted left behind',
  );

  // And document for document what a rebuild from scratch makes: ids, versions, fields.
  const scratch = `${alias}_v950`;
  await search.client.indices.create({ index: scratch });
  t.teardown(() => search.client.indices.delete({ index: scratch }, { ignore: [404] }));
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), db);
  await indexEvents({ client: search.client, index: scratch, writeDb: db, decode }, await readWholeLog(db));
  const documents = async (index: string) => {
    await search.client.indices.refresh({ index });
    const found = await search.client.search({ index, size: 10_000, version: true, sort: [{ id: 'asc' }] });
    return found.hits.hits.map((hit) => ({ id: hit._id, version: hit._version, source: hit._source }));
  };
  const rebuilt = await documents(scratch);
  t.equal(rebuilt.length, expected.length);
  t.same(await documents(alias), rebuilt, 'the live index equals a rebuild from scratch');
});

t.test("erasure removes every document of the user, and no one else's", async (t) => {
  const [erased, kept] = writers;
  if (erased === undefined || kept === undefined) throw new Error('writers');
  const mine = async (userId: string) => {
    await search.client.indices.refresh({ index: alias });
    return (await search.client.count({ index: alias, query: { term: { userId } } })).count;
  };
  t.ok((await mine(erased.id)) > 0, 'the user has documents');
  const keptBefore = await mine(kept.id);
  // The erasure itself is the command-service's; here only its event matters.
  const appended = await appendToStream(db, `user-${erased.id}`, 'any', [
    {
      eventId: newEventId(),
      type: 'UserErased',
      schemaVersion: 1,
      occurredAt: new Date(),
      userId: erased.id,
      data: {},
      metadata: { actorId: erased.id, actorRole: 'user' },
    },
  ]);
  const live = setup.projector.projections.find((projection) => projection.name === 'search');
  await waitFor(async () => ((live?.lastPosition() ?? 0) >= appended.position ? true : undefined), 15_000, 'erasure');
  t.equal(await mine(erased.id), 0);
  t.equal(await mine(kept.id), keptBefore);
});

t.test('events delivered out of order or twice never put an older version over a newer one', async (t) => {
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), db);
  const { kept, gone, inOrder, late } = await lateVersions(app, db, async (event) => event);
  const target = (index: string) => ({ client: search.client, index, writeDb: db, decode });
  const documents = async (index: string) => {
    await search.client.indices.refresh({ index });
    const found = await search.client.search({ index, size: 100, version: true, sort: [{ id: 'asc' }] });
    return found.hits.hits.map((hit) => ({ id: hit._id, version: hit._version, source: hit._source }));
  };
  // Deletes forgotten at once (index.gc_deletes, 60 s by default): what a late event meets a minute on.
  const ordered = `${alias}_v900`;
  const oneByOne = `${alias}_v901`;
  const oneBatch = `${alias}_v902`;
  for (const index of [ordered, oneByOne, oneBatch])
    await search.client.indices.create({ index, settings: { 'index.gc_deletes': '0s' } });
  t.teardown(() => search.client.indices.delete({ index: [ordered, oneByOne, oneBatch] }, { ignore: [404] }));

  for (const event of inOrder) await indexEvents(target(ordered), [event]);
  const expected = await documents(ordered);
  t.match(expected, [{ id: kept, source: { title: 'Version 3', mood: 'angry', tags: ['three'] } }]);
  t.notOk(
    expected.some((document) => document.id === gone),
    'the deleted entry is not indexed',
  );

  for (const event of late) await indexEvents(target(oneByOne), [event]);
  t.same(await documents(oneByOne), expected, 'delivered one by one, newer versions first');
  await indexEvents(target(oneBatch), late);
  t.same(await documents(oneBatch), expected, 'delivered in one batch, newer versions first');

  for (const event of [...inOrder, ...late]) await indexEvents(target(oneByOne), [event]);
  await indexEvents(target(oneBatch), [...late, ...inOrder]);
  t.same(await documents(oneByOne), expected, 'applying every event again changes nothing');
  t.same(await documents(oneBatch), expected, 'nor in one batch');
});
