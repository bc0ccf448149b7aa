import t from 'tap';
import { decideGoal, goalStanding, mondayOf } from './goal.js';
import { localDate } from './streaks.js';

const entries = [
  { date: '2026-02-27', words: 100 },
  { date: '2026-03-06', words: 200 },
  { date: '2026-03-07', words: 50 },
  { date: '2026-03-08', words: 400 },
];

t.test('weeks run Monday to Sunday', async (t) => {
  t.equal(mondayOf('2026-03-08'), '2026-03-02', 'a Sunday');
  t.equal(mondayOf('2026-03-09'), '2026-03-09', 'a Monday');
  t.equal(mondayOf('2026-01-01'), '2025-12-29', 'across a year');
});

t.test('the same instant is another week in Tokyo than in Los Angeles', async (t) => {
  const instant = new Date('2026-03-08T20:00:00Z');
  const goal = { kind: 'entries-per-week', target: 3 } as const;
  const la = goalStanding(goal, entries, localDate(instant, 'America/Los_Angeles'));
  const tokyo = goalStanding(goal, entries, localDate(instant, 'Asia/Tokyo'));
  t.match(la, { progress: 3, achieved: true });
  t.match(tokyo, { progress: 0, achieved: false });
  t.same(tokyo.history[0], { from: '2026-03-02', to: '2026-03-08', achieved: true });
  t.equal(tokyo.history.length, 12);
  t.same(tokyo.history[11], { from: '2025-12-15', to: '2025-12-21', achieved: false }, 'twelve weeks back');
});

t.test('words per day and streaks', async (t) => {
  t.match(goalStanding({ kind: 'words-per-day', target: 300 }, entries, '2026-03-08'), {
    progress: 400,
    achieved: true,
    history: [
      { from: '2026-03-07', to: '2026-03-07', achieved: false },
      { from: '2026-03-06', achieved: false },
    ],
  });
  t.match(goalStanding({ kind: 'streak', target: 3 }, entries, '2026-03-08'), {
    progress: 3,
    achieved: true,
    history: [],
  });
  t.match(
    goalStanding({ kind: 'streak', target: 3 }, entries, '2026-03-10'),
    { progress: 0, achieved: false },
    'broken',
  );
});

t.test('the rules of a goal', async (t) => {
  const goalId = '00000000-0000-4000-8000-000000000001';
  t.same(decideGoal({ type: 'SetGoal', goalId, kind: 'streak', target: 30, goals: 0 }, { status: 'absent' }), [
    { type: 'GoalSet', data: { goalId, kind: 'streak', target: 30, period: null } },
  ]);
  t.throws(
    () => decideGoal({ type: 'SetGoal', goalId, kind: 'entries-per-week', target: 8, goals: 0 }, { status: 'absent' }),
    { code: 'VALIDATION_RULE' },
  );
  t.throws(() => decideGoal({ type: 'SetGoal', goalId, kind: 'streak', target: 3, goals: 20 }, { status: 'absent' }), {
    code: 'CONFLICT',
  });
  const active = { status: 'active', userId: 'u', kind: 'words-per-day', target: 300 } as const;
  t.same(decideGoal({ type: 'ChangeGoal', goalId, target: 300 }, active), [], 'the same target changes nothing');
  t.throws(() => decideGoal({ type: 'RemoveGoal', goalId }, { ...active, status: 'removed' }), { code: 'NOT_FOUND' });
});
