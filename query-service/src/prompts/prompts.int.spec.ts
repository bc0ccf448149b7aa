import { promptLibrary } from '@mindflow/core/domain';
import { connectPostgres } from '@mindflow/core/postgres';
import { readWholeLog } from '@mindflow/core/testing';
import { writeSide } from '@mindflow/projector';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

// The read routes' clock, moved by the tests.
let now = new Date('2026-05-04T07:00:00Z');
const platform = await queryServiceForTest({ now: () => now });
t.teardown(() => platform.close());
const write = connectPostgres('write', platform.writeUrl, 2);
t.teardown(() => write.close());
const { app } = platform;

interface Drawn {
  id: string;
  text: string;
  theme: string | null;
  source: string;
  date: string;
}

async function today(writer: TestWriter, query = '', position = 0) {
  return writer.get(`/v1/prompts/today${query}`, { 'x-min-position': String(position) });
}
const drawn = async (writer: TestWriter, query = '') => (await today(writer, query)).json<Drawn>();
const send = (writer: TestWriter, method: 'POST' | 'DELETE', url: string, body?: object) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${writer.token}` },
    ...(body === undefined ? {} : { payload: body }),
  });

t.test('one prompt all day, another the next day, in the writer’s language and on their clock', async (t) => {
  const [lisbon] = await testWriters(app, 1, 'Europe/Lisbon');
  const [auckland] = await testWriters(app, 1, 'Pacific/Auckland');
  if (lisbon === undefined || auckland === undefined) throw new Error('two writers');

  now = new Date('2026-05-04T07:00:00Z'); // 08:00 in Lisbon, 19:00 in Auckland, both on 4 May
  const morning = await drawn(lisbon);
  t.match(morning, { date: '2026-05-04', source: 'library', id: /^lib-\d{3}$/ });
  now = new Date('2026-05-04T22:30:00Z'); // 23:30 in Lisbon, still 4 May; Auckland is on 5 May
  t.same(await drawn(lisbon), morning, 'the same all day');
  t.equal((await drawn(auckland)).date, '2026-05-05', 'Auckland’s day has turned');
  now = new Date('2026-05-04T23:30:00Z'); // 00:30 on 5 May in Lisbon
  const next = await drawn(lisbon);
  t.equal(next.date, '2026-05-05');
  t.not(next.id, morning.id, 'another the next day');

  const seen = new Set<string>();
  for (let day = 0; day < 20; day++) {
    now = new Date(Date.parse('2026-06-01T12:00:00Z') + day * 86_400_000);
    const prompt = await drawn(lisbon);
    t.not(seen.has(prompt.id), true, `day ${String(day)}: not one of the days before`);
    seen.add(prompt.id);
  }

  const changed = await lisbon.command('PATCH', '/v1/me', { language: 'pt' });
  const inPortuguese = (await today(lisbon, '', changed.position)).json<Drawn>();
  const library = promptLibrary.find((prompt) => prompt.id === inPortuguese.id);
  t.equal(inPortuguese.text, library?.pt, 'in Portuguese for a Portuguese writer');
});

t.test('their own prompts: added, listed, drawn from the next day, removed; nobody else’s', async (t) => {
  const [ana, bob] = await testWriters(app, 2);
  if (ana === undefined || bob === undefined) throw new Error('two writers');
  // Their prompts are dated by the platform's own clock when added: the read clock starts there.
  now = new Date();
  const none = await today(ana, '?from=mine');
  t.equal(none.statusCode, 404, 'none of their own yet');

  const added = await send(ana, 'POST', '/v1/prompts', { text: 'canary: what did the river say?', theme: 'nature' });
  t.equal(added.statusCode, 201, added.body);
  const { id, position } = added.json<{ id: string; position: number }>();
  const listed = (await ana.get('/v1/prompts', { 'x-min-position': String(position) })).json<{ items: unknown[] }>();
  t.match(listed.items, [{ id, text: 'canary: what did the river say?', theme: 'nature' }]);
  t.same((await bob.get('/v1/prompts')).json<{ items: unknown[] }>().items, [], 'not another writer’s');
  t.equal((await today(ana, '?from=mine', position)).statusCode, 404, 'not today: the prompt of the day stays');

  now = new Date(Date.now() + 86_400_000);
  t.match(await drawn(ana, '?from=mine'), { id, source: 'mine', text: 'canary: what did the river say?' });
  t.match(await drawn(ana, '?from=library'), { source: 'library' });

  const stored = (await readWholeLog(writeSide(write.db))).filter((event) => event.type === 'PromptAdded');
  t.notOk(JSON.stringify(stored.map((event) => event.data)).includes('canary'), 'the text is sealed in the store');

  t.equal((await send(bob, 'DELETE', `/v1/prompts/${id}`)).statusCode, 404, 'another writer’s');
  const removed = await send(ana, 'DELETE', `/v1/prompts/${id}`);
  t.equal(removed.statusCode, 200);
  const gone = await today(ana, '?from=mine', removed.json<{ position: number }>().position);
  t.equal(gone.statusCode, 404, 'removed');
  for (const body of [{ text: '   ' }, { text: 'ok', theme: 'weather' }]) {
    t.equal((await send(ana, 'POST', '/v1/prompts', body)).statusCode, 400, JSON.stringify(body));
  }
});

t.test('an entry written from a prompt records its id', async (t) => {
  const [writer, other] = await testWriters(app, 2);
  if (writer === undefined || other === undefined) throw new Error('two writers');
  const prompt = await drawn(writer);
  const written = await writer.write({
    date: '2026-05-10',
    title: 'From a prompt',
    content: 'Yes.',
    promptId: prompt.id,
  });
  const entry = (await writer.get(`/v1/entries/${written.id}`, { 'x-min-position': String(written.position) })).json<{
    promptId?: string;
  }>();
  t.equal(entry.promptId, prompt.id);
  const plain = await writer.write({ date: '2026-05-11', title: 'Free', content: 'No prompt.' });
  const free = (await writer.get(`/v1/entries/${plain.id}`, { 'x-min-position': String(plain.position) })).json<
    Record<string, unknown>
  >();
  t.notOk('promptId' in free, 'none when written freely');

  const own = (await send(other, 'POST', '/v1/prompts', { text: 'Mine only.' })).json<{ id: string }>();
  for (const promptId of ['lib-999', own.id]) {
    const refused = await send(writer, 'POST', '/v1/entries', {
      date: '2026-05-12',
      title: 'x',
      content: 'y',
      promptId,
    });
    t.equal(refused.statusCode, 422, promptId);
  }
});
