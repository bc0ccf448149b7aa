import t from 'tap';
import { advanceStats, computeStreaks, localDate, type CountedDay, type WritingStats } from './index.js';

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

t.test('stats kept step by step are those of all the entries, whatever the writes and the clock do', async (t) => {
  // A small pseudo-random generator: the same writes on every run.
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor(seed / 65_536) % n;
  };
  const date = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  const statsOf = (entries: Map<number, CountedDay & { live: boolean }>, today: string): WritingStats => {
    const live = [...entries.values()].filter((entry) => entry.live);
    return {
      ...computeStreaks(
        live.map((entry) => entry.date),
        today,
      ),
      totalWords: live.reduce((sum, entry) => sum + entry.words, 0),
    };
  };
  let stepped = 0;
  let differed = 0;
  for (let writer = 0; writer < 200; writer++) {
    const entries = new Map<number, CountedDay & { live: boolean }>();
    let clock = 10;
    let kept = statsOf(entries, date(clock));
    for (let write = 0; write < 60; write++) {
      // Mostly forward, a day or a few at a time; now and then back (a clock set by hand).
      clock += [0, 0, 1, 1, 1, 2, 5, -1][random(8)] ?? 0;
      const today = date(clock);
      const ids = [...entries.keys()];
      const id = random(4) === 0 || ids.length === 0 ? entries.size : (ids[random(ids.length)] ?? 0);
      const old = entries.get(id);
      const before = old?.live === true ? { date: old.date, words: old.words } : undefined;
      const taken = new Set([...entries.values()].filter((entry) => entry.live).map((entry) => entry.date));
      const kind = old === undefined ? 'create' : (['edit', 'words', 'delete', 'restore'] as const)[random(4)];
      let after: CountedDay | undefined;
      if (kind === 'create' || kind === 'edit') {
        // Usually today or yesterday, sometimes further back, or ahead.
        const day = clock + ([0, 0, 0, -1, -3, 1][random(6)] ?? 0);
        if (taken.has(date(day)) && date(day) !== old?.date) continue;
        after = { date: date(day), words: random(500) };
      } else if (kind === 'words') {
        if (old?.live !== true) continue;
        after = { date: old.date, words: random(500) };
      } else if (kind === 'restore') {
        if (old === undefined || old.live || taken.has(old.date)) continue;
        after = { date: old.date, words: old.words };
      }
      if (after === undefined && old !== undefined) entries.set(id, { ...old, live: false });
      else if (after !== undefined) entries.set(id, { ...after, live: true });
      const all = statsOf(entries, today);
      const step = advanceStats(kept, before, after, today);
      if (step !== undefined) {
        stepped += 1;
        if (JSON.stringify(step) !== JSON.stringify(all)) differed += 1;
      }
      kept = step ?? all;
    }
  }
  t.equal(differed, 0, 'every step agrees with the whole');
  t.ok(stepped > 3_000, `most writes step (${String(stepped)} of 12,000 tries)`);
});
