import { localDate } from '@mindflow/core/domain';
import { waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

// The read routes' clock: Sunday 8 March 2026, 20:00 UTC. In Los Angeles (UTC-7 since that
// morning) it is still Sunday 13:00; in Tokyo (UTC+9) it is Monday 9 March, 05:00: a new week.
let now = new Date('2026-03-08T20:00:00Z');
const platform = await queryServiceForTest({ now: () => now });
t.teardown(() => platform.close());
const { app } = platform;

interface Goal {
  id: string;
  kind: string;
  target: number;
  period: string | null;
  version: number;
  progress: number;
  achieved: boolean;
  history: { from: string; to: string; achieved: boolean }[];
}

async function goalsOf(writer: TestWriter, position = 0): Promise<Goal[]> {
  const answer = await writer.get('/v1/goals', { 'x-min-position': String(position) });
  if (answer.statusCode !== 200) throw new Error(answer.body);
  return answer.json<{ items: Goal[] }>().items;
}

t.test('set, change (If-Match) and remove a goal; nobody else’s; checked', async (t) => {
  const [ana, bob] = await testWriters(app, 2);
  if (ana === undefined || bob === undefined) throw new Error('two writers');
  const set = await ana.send('POST', '/v1/goals', { kind: 'words-per-day', target: 300 });
  t.equal(set.statusCode, 201, set.body);
  const goal = set.json<{ id: string; version: number; position: number }>();
  t.match(await goalsOf(ana, goal.position), [
    { id: goal.id, kind: 'words-per-day', target: 300, period: 'day', version: 1 },
  ]);

  t.equal((await ana.send('PATCH', `/v1/goals/${goal.id}`, { target: 500 })).statusCode, 428, 'If-Match required');
  t.equal((await ana.send('PATCH', `/v1/goals/${goal.id}`, { target: 500 }, 7)).statusCode, 412, 'a stale version');
  t.equal((await bob.send('PATCH', `/v1/goals/${goal.id}`, { target: 1 }, 1)).statusCode, 404, 'another writer’s');
  t.equal((await bob.send('DELETE', `/v1/goals/${goal.id}`)).statusCode, 404, 'another writer’s');
  const changed = await ana.send('PATCH', `/v1/goals/${goal.id}`, { target: 500 }, 1);
  t.equal(changed.statusCode, 200, changed.body);
  t.match(await goalsOf(ana, changed.json<{ position: number }>().position), [{ target: 500, version: 2 }]);
  t.same(await goalsOf(bob), [], 'another writer sees none');

  for (const [body, status] of [
    [{ kind: 'pages-per-day', target: 3 }, 400],
    [{ kind: 'streak', target: 0 }, 400],
    [{ kind: 'entries-per-week', target: 8 }, 422],
    [{ kind: 'entries-per-week', target: 3, period: 'day' }, 422],
    [{ kind: 'streak', target: 30, period: 'week' }, 422],
  ] as const) {
    const refused = await ana.send('POST', '/v1/goals', body);
    t.equal(refused.statusCode, status, JSON.stringify(body));
  }

  const removed = await ana.send('DELETE', `/v1/goals/${goal.id}`);
  t.equal(removed.statusCode, 200, removed.body);
  t.same(await goalsOf(ana, removed.json<{ position: number }>().position), [], 'removed');
  t.equal((await ana.send('DELETE', `/v1/goals/${goal.id}`)).statusCode, 404, 'removed already');
});

t.test('entries per week, across a week boundary, in two time zones', async (t) => {
  const [losAngeles] = await testWriters(app, 1, 'America/Los_Angeles');
  const [tokyo] = await testWriters(app, 1, 'Asia/Tokyo');
  if (losAngeles === undefined || tokyo === undefined) throw new Error('two writers');
  let position = 0;
  for (const writer of [losAngeles, tokyo]) {
    // Three entries in the week of Monday 2 March (a private one among them), one the week before.
    for (const [date, isPrivate] of [
      ['2026-02-27', false],
      ['2026-03-06', false],
      ['2026-03-07', true],
      ['2026-03-08', false],
    ] as const) {
      position = (await writer.write({ date, title: date, content: 'A few words here.', isPrivate })).position;
    }
    const set = await writer.send('POST', '/v1/goals', { kind: 'entries-per-week', target: 3, period: 'week' });
    position = set.json<{ position: number }>().position;
  }

  const [la] = await goalsOf(losAngeles, position);
  t.match(la, { progress: 3, achieved: true }, 'Los Angeles: still Sunday, the week of 2 March has three');
  t.match(la?.history[0], { from: '2026-02-23', to: '2026-03-01', achieved: false }, 'the week before: one');
  t.equal(la?.history.length, 12, 'the last 12 weeks');

  const [jp] = await goalsOf(tokyo, position);
  t.match(jp, { progress: 0, achieved: false }, 'Tokyo: Monday 9 March, a new week with none yet');
  t.match(jp?.history[0], { from: '2026-03-02', to: '2026-03-08', achieved: true }, 'last week: met');

  now = new Date('2026-03-09T08:00:00Z'); // Monday 01:00 in Los Angeles too
  const [laMonday] = await goalsOf(losAngeles);
  t.match(laMonday, { progress: 0, achieved: false }, 'Los Angeles crosses into the new week hours later');
  t.match(laMonday?.history[0], { from: '2026-03-02', achieved: true });
  now = new Date('2026-03-08T20:00:00Z');
});

t.test('a goal met unlocks goal-met, at the command that met it', async (t) => {
  const [writer] = await testWriters(app, 1, 'Europe/Lisbon');
  if (writer === undefined) throw new Error('a writer');
  // The command side counts on its own clock: the writer's real today.
  const today = localDate(new Date(), 'Europe/Lisbon');
  const yesterday = new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const set = await writer.send('POST', '/v1/goals', { kind: 'streak', target: 2 });
  t.equal(set.statusCode, 201);
  await writer.write({ date: yesterday, title: 'Yesterday', content: 'One.' });
  await writer.write({ date: today, title: 'Today', content: 'Two.' });

  const codes = await waitFor(async () => {
    const listed = (await writer.get('/v1/achievements')).json<{ items: { code: string }[] }>();
    const found = listed.items.map((item) => item.code);
    return found.includes('goal-met') ? found : undefined;
  });
  t.ok(codes.includes('goal-met'), 'goal-met unlocked by the entry that made the streak');
});
