import t from 'tap';
import { computeStreaks, localDate } from './index.js';

t.test('no entries, no streaks', async (t) => {
  t.same(computeStreaks([], '2026-11-22'), {
    currentStreak: 0,
    longestStreak: 0,
    lastEntryDate: null,
    totalEntries: 0,
  });
});

t.test('the current streak lives while the last entry is today or yesterday', async (t) => {
  const days = ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21'];
  t.match(computeStreaks(days, '2026-11-21'), { currentStreak: 4, longestStreak: 4, lastEntryDate: '2026-11-21' });
  t.match(computeStreaks(days, '2026-11-22'), { currentStreak: 4 }, 'not written yet today');
  t.match(computeStreaks(days, '2026-11-23'), { currentStreak: 0, longestStreak: 4 }, 'a missed day breaks it');
});

t.test('the longest streak survives a break; duplicates and order do not matter', async (t) => {
  const days = ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-05', '2026-11-21', '2026-11-22', '2026-10-02'];
  t.same(computeStreaks(days.reverse(), '2026-11-22'), {
    currentStreak: 2,
    longestStreak: 3,
    lastEntryDate: '2026-11-22',
    totalEntries: 6,
  });
  t.match(computeStreaks(['2026-02-28', '2026-03-01'], '2026-03-01'), { currentStreak: 2 }, 'across month ends');
  t.match(computeStreaks(['2026-12-31', '2027-01-01'], '2027-01-01'), { currentStreak: 2 }, 'across years');
});

t.test('"today" is the date in the user\'s time zone', async (t) => {
  const instant = new Date('2026-11-22T23:30:00Z');
  t.equal(localDate(instant, 'Europe/Lisbon'), '2026-11-22');
  t.equal(localDate(instant, 'Asia/Tokyo'), '2026-11-23');
  t.equal(localDate(new Date('2026-11-23T01:00:00Z'), 'America/Sao_Paulo'), '2026-11-22');
});
