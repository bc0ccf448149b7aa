import { maxGoals, maxTemplates } from '@mindflow/core/domain';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

// A writer's own things (goals, templates, prompts) under commands sent all at once, as a
// double-clicking client or a script would: the caps hold, and If-Match lets one change through.
const platform = await queryServiceForTest();
t.teardown(() => platform.close());
const { app } = platform;

const statuses = (answers: readonly { statusCode: number }[]) => {
  const counted: Record<number, number> = {};
  for (const { statusCode } of answers) counted[statusCode] = (counted[statusCode] ?? 0) + 1;
  return counted;
};

async function listed(writer: TestWriter, url: string, position: number): Promise<number> {
  const answer = await writer.get(url, { 'x-min-position': String(position) });
  if (answer.statusCode !== 200) throw new Error(answer.body);
  return answer.json<{ items: unknown[] }>().items.length;
}

const lastPosition = (answers: readonly { statusCode: number; json: () => unknown }[]) =>
  Math.max(0, ...answers.filter((a) => a.statusCode === 201).map((a) => (a.json() as { position: number }).position));

t.test(`${String(maxGoals + 6)} goals set at once: ${String(maxGoals)} are kept, the rest refused`, async (t) => {
  const [ana] = await testWriters(app, 1);
  if (ana === undefined) throw new Error('a writer');
  const answers = await Promise.all(
    Array.from({ length: maxGoals + 6 }, () => ana.send('POST', '/v1/goals', { kind: 'words-per-day', target: 100 })),
  );
  t.same(statuses(answers), { 201: maxGoals, 409: 6 }, 'as many as the cap, each other one a conflict');
  t.equal(await listed(ana, '/v1/goals', lastPosition(answers)), maxGoals, 'and no more are listed');
});

t.test(`templates saved at once past the cap of ${String(maxTemplates)}: the cap holds`, async (t) => {
  const [ana] = await testWriters(app, 1);
  if (ana === undefined) throw new Error('a writer');
  const template = (i: number) => ({ name: `T${String(i)}`, title: 'A title', content: 'Some words' });
  // Most of the way one by one, the last stretch all at once.
  for (let i = 0; i < maxTemplates - 4; i++) await ana.command('POST', '/v1/templates', template(i));
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => ana.send('POST', '/v1/templates', template(100 + i))),
  );
  t.same(statuses(answers), { 201: 4, 409: 6 });
  const own = await ana.get('/v1/templates', { 'x-min-position': String(lastPosition(answers)) });
  t.equal(
    own.json<{ items: { builtIn: boolean }[] }>().items.filter((item) => !item.builtIn).length,
    maxTemplates,
    'own templates listed: the cap',
  );
});

t.test('one change of a version gets through; the others are told it moved on', async (t) => {
  const [ana] = await testWriters(app, 1);
  if (ana === undefined) throw new Error('a writer');
  const goal = await ana.command('POST', '/v1/goals', { kind: 'entries-per-week', target: 3 });
  const changes = await Promise.all(
    [4, 5, 6, 7, 2].map((target) => ana.send('PATCH', `/v1/goals/${goal.id}`, { target }, goal.version)),
  );
  t.same(statuses(changes), { 200: 1, 412: 4 }, 'one 200, four 412');
  const won = changes.find((answer) => answer.statusCode === 200)?.json<{ version: number; position: number }>();
  t.equal(won?.version, 2);
  const lost = changes.find((answer) => answer.statusCode === 412);
  t.equal(lost?.headers.etag, '"2"', 'the refused ones are given the version to read again');

  const template = await ana.command('POST', '/v1/templates', {
    name: 'Gratitude',
    title: 'Three things',
    content: '',
  });
  const edits = await Promise.all(
    ['A', 'B', 'C'].map((name) => ana.send('PATCH', `/v1/templates/${template.id}`, { name }, template.version)),
  );
  t.same(statuses(edits), { 200: 1, 412: 2 });

  // Without If-Match, removals at once: one removes it; for the others there is no such goal.
  const removals = await Promise.all([1, 2, 3].map(() => ana.send('DELETE', `/v1/goals/${goal.id}`)));
  t.same(statuses(removals), { 200: 1, 404: 2 });
});
