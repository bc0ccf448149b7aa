import t from 'tap';
import { achievementCodes, decideAchievements } from './achievements.js';

const codes = (events: ReturnType<typeof decideAchievements>) =>
  events.map((event) => (event.type === 'AchievementUnlocked' ? event.data.code : event.type));

t.test('the achievements a command earns: reached, and not unlocked before', async (t) => {
  t.same(codes(decideAchievements({}, new Set())), [], 'nothing reached');
  t.same(codes(decideAchievements({ entries: 1, words: 12, streak: 1 }, new Set())), ['first-entry']);
  t.same(codes(decideAchievements({ entries: 1, streak: 1 }, new Set(['first-entry']))), [], 'never twice');
  t.same(
    codes(decideAchievements({ entries: 400, words: 120_000, streak: 7 }, new Set(['first-entry']))).sort(),
    ['entries-10', 'entries-100', 'entries-365', 'streak-7', 'words-10000', 'words-100000'].sort(),
    'an import that reaches several at once unlocks them all',
  );
  t.same(codes(decideAchievements({ entries: 9, streak: 6, words: 9_999 }, new Set(['first-entry']))), [], 'one short');
  t.same(codes(decideAchievements({ attachments: 1 }, new Set())), ['first-attachment']);
  t.same(codes(decideAchievements({ exports: 1 }, new Set())), ['first-export']);
  t.same(codes(decideAchievements({ goals: 1 }, new Set())), ['goal-met']);
});

t.test('every code the product names exists, once', async (t) => {
  for (const code of [
    'first-entry',
    'streak-7',
    'streak-30',
    'streak-100',
    'streak-365',
    'entries-10',
    'entries-100',
    'entries-365',
    'words-10000',
    'words-100000',
    'first-attachment',
    'first-export',
    'goal-met',
  ]) {
    t.ok(achievementCodes.includes(code), code);
  }
  t.equal(new Set(achievementCodes).size, achievementCodes.length, 'no code twice');
});
