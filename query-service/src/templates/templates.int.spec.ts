import { builtInTemplates } from '@mindflow/core/domain';
import { connectPostgres } from '@mindflow/core/postgres';
import { readWholeLog, waitFor } from '@mindflow/core/testing';
import { writeSide } from '@mindflow/projector';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

const platform = await queryServiceForTest();
t.teardown(() => platform.close());
const write = connectPostgres('write', platform.writeUrl, 2);
t.teardown(() => write.close());
const { app } = platform;
const [ana, bob] = await testWriters(app, 2);
if (ana === undefined || bob === undefined) throw new Error('two writers');

interface Template {
  id: string;
  name: string;
  title: string;
  content: string;
  tags: string[];
  mood: string | null;
  builtIn: boolean;
  version: number | null;
}

async function templatesOf(writer: TestWriter, position = 0): Promise<Template[]> {
  const answer = await writer.get('/v1/templates', { 'x-min-position': String(position) });
  if (answer.statusCode !== 200) throw new Error(answer.body);
  return answer.json<{ items: Template[] }>().items;
}

const secret = 'canary: my secret morning pages';

t.test('three built-in templates, then the writer’s own; changed with If-Match, removed; nobody else’s', async (t) => {
  const builtIn = await templatesOf(ana);
  t.same(
    builtIn.map((template) => template.name),
    ['Gratitude list', 'Daily review', 'Weekly reflection'],
  );
  t.ok(builtIn.every((template) => template.builtIn && template.version === null));

  const created = await ana.send('POST', '/v1/templates', {
    name: 'Morning pages',
    title: 'Morning',
    content: secret,
    tags: ['Morning', 'pages'],
    mood: 'neutral',
  });
  t.equal(created.statusCode, 201, created.body);
  const { id, position } = created.json<{ id: string; position: number }>();
  const listed = await templatesOf(ana, position);
  t.match(listed.at(-1), { id, name: 'Morning pages', tags: ['morning', 'pages'], builtIn: false, version: 1 });
  t.equal((await templatesOf(bob, position)).length, 3, 'another writer sees the built-in ones only');

  t.equal((await ana.send('PATCH', `/v1/templates/${id}`, { title: 'Dawn' })).statusCode, 428);
  t.equal((await ana.send('PATCH', `/v1/templates/${id}`, { title: 'Dawn' }, 9)).statusCode, 412);
  t.equal((await bob.send('PATCH', `/v1/templates/${id}`, { title: 'Mine' }, 1)).statusCode, 404, 'another writer’s');
  t.equal((await bob.send('DELETE', `/v1/templates/${id}`)).statusCode, 404);
  const builtInId = builtIn[0]?.id ?? '';
  t.equal((await ana.send('DELETE', `/v1/templates/${builtInId}`)).statusCode, 404, 'a built-in one stays');
  const changed = await ana.send('PATCH', `/v1/templates/${id}`, { title: 'Dawn' }, 1);
  t.equal(changed.statusCode, 200, changed.body);
  t.match((await templatesOf(ana, changed.json<{ position: number }>().position)).at(-1), {
    title: 'Dawn',
    version: 2,
  });

  // The text is sealed in the event store; the audit trail records which fields changed, not their words.
  const log = await readWholeLog(writeSide(write.db));
  const stored = log.filter((event) => event.type.startsWith('Template') && event.userId === ana.id);
  t.notOk(JSON.stringify(stored.map((event) => event.data)).includes('canary'), 'no template text in the clear');

  // The audit trail has the change, and which fields it touched, never their words.
  const audited = await waitFor(async () => {
    const records = [];
    for await (const record of platform.audit.stream({ userId: ana.id })) records.push(record);
    const found = records.filter((record) => record.action.startsWith('TEMPLATE_'));
    return found.length >= 2 ? found : undefined;
  });
  t.match(
    audited.map((record) => ({ action: record.action, metadata: record.metadata })),
    [
      { action: 'TEMPLATE_CREATE', metadata: { templateId: id } },
      { action: 'TEMPLATE_UPDATE', metadata: { templateId: id, changedFields: ['title'] } },
    ],
  );
  t.notOk(JSON.stringify(audited).includes('canary') || JSON.stringify(audited).includes('Dawn'), 'no template text');

  const removed = await ana.send('DELETE', `/v1/templates/${id}`);
  t.equal(removed.statusCode, 200);
  t.equal((await templatesOf(ana, removed.json<{ position: number }>().position)).length, 3, 'removed');
});

t.test('an entry from a template: the fields the body leaves out are the template’s', async (t) => {
  const created = await ana.send('POST', '/v1/templates', {
    name: 'Evening',
    title: 'Evening notes',
    content: '## Today\n\n',
    tags: ['evening'],
    mood: 'happy',
  });
  const template = created.json<{ id: string }>();
  const entry = await ana.send('POST', '/v1/entries', {
    date: '2026-04-01',
    templateId: template.id,
    title: 'My own title',
  });
  t.equal(entry.statusCode, 201, entry.body);
  const written = entry.json<{ id: string; position: number }>();
  const read = (await ana.get(`/v1/entries/${written.id}`, { 'x-min-position': String(written.position) })).json<{
    title: string;
    content: string;
    tags: string[];
    mood: string;
  }>();
  t.match(read, { title: 'My own title', content: '## Today\n\n', tags: ['evening'], mood: 'happy' });

  const [pt] = await testWriters(app, 1);
  if (pt === undefined) throw new Error('a writer');
  await pt.command('PATCH', '/v1/me', { language: 'pt' });
  const gratitude = builtInTemplates[0]?.id ?? '';
  const fromBuiltIn = await pt.send('POST', '/v1/entries', { date: '2026-04-02', templateId: gratitude });
  t.equal(fromBuiltIn.statusCode, 201, fromBuiltIn.body);
  const made = fromBuiltIn.json<{ id: string; position: number }>();
  const builtInEntry = (await pt.get(`/v1/entries/${made.id}`, { 'x-min-position': String(made.position) })).json<{
    title: string;
    tags: string[];
  }>();
  t.match(builtInEntry, { title: 'Três coisas boas', tags: ['gratidão'] }, 'a built-in one, in the writer’s language');

  const bare = await ana.send('POST', '/v1/entries', { date: '2026-04-03', content: 'No title.' });
  t.equal(bare.statusCode, 422, 'without a template, a title is required');
  t.match(bare.json(), { error: { code: 'VALIDATION_RULE', details: [{ path: 'title' }] } });
  const unknown = await bob.send('POST', '/v1/entries', { date: '2026-04-03', templateId: template.id });
  t.equal(unknown.statusCode, 422, 'another writer’s template is no template of theirs');
  t.match(unknown.json(), { error: { code: 'VALIDATION_RULE', details: [{ path: 'templateId' }] } });
});
