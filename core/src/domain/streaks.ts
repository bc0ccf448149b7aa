/** Streaks over the days someone wrote, as the profile and /v1/streaks show them. */
export interface Streaks {
  readonly currentStreak: number;
  readonly longestStreak: number;
  readonly lastEntryDate: string | null;
  readonly totalEntries: number;
}

/**
 * One formatter per time zone: making an Intl.DateTimeFormat costs far more than using one
 * (it was an eighth of a cached GET /v1/me's CPU time). IANA names are a few hundred, but Intl
 * takes them in any letter case, and an import's file names its own: the map is bounded.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateFormatsLimit = 1_000;

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timezone: string): string {
  let format = dateFormats.get(timezone);
  if (format === undefined) {
    // en-CA formats dates as YYYY-MM-DD; an unknown time zone throws here, and is not kept.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    if (dateFormats.size >= dateFormatsLimit) dateFormats.clear();
    dateFormats.set(timezone, format);
  }
  return format.format(instant);
}

/**
 * Streaks from the dates of a user's entries (in their time zone) and today's date there.
 * The current streak is alive while the last entry is today or yesterday: not having written
 * yet today does not break it.
 */
export function computeStreaks(entryDates: Iterable<string>, today: string): Streaks {
  const days = [...new Set(entryDates)].sort().map(dayNumber);
  let longest = 0;
  let run = 0;
  for (let i = 0; i < days.length; i++) {
    run = i > 0 && days[i] === (days[i - 1] ?? Number.NaN) + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  const last = days.at(-1);
  const alive = last !== undefined && dayNumber(today) - last <= 1;
  return {
    currentStreak: alive ? run : 0,
    longestStreak: longest,
    lastEntryDate: last === undefined ? null : dateOf(last),
    totalEntries: days.length,
  };
}

function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

function dateOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export interface WritingStats extends Streaks {
  readonly totalWords: number;
}

/**
 * Streaks and totals of a writer's (not deleted) entries, "today" being `at` in their time zone:
 * what the write side keeps in user_streaks and the read model in the profile view.
 */
export function writingStats(
  entries: readonly { readonly date: string; readonly words: number }[],
  at: Date,
  timezone: string,
): WritingStats {
  return {
    ...computeStreaks(
      entries.map((entry) => entry.date),
      localDate(at, timezone),
    ),
    totalWords: entries.reduce((sum, entry) => sum + entry.words, 0),
  };
}

/** One day's entry as the streaks and totals count it. */
export interface CountedDay {
  readonly date: string;
  readonly words: number;
}

/**
 * The writer's streaks and totals after one entry changed from `before` to `after` (undefined:
 * absent or deleted), from the stats kept before it, "today" being `today`; undefined when the
 * change needs all the writer's entries to say (writingStats): a day before the latest one
 * added, a day taken away, a date moved. The usual writes, a new latest entry and an edit that
 * keeps its date, need nothing else.
 *
 * A kept `currentStreak` above 0 is the run of days that ends on `lastEntryDate` (it was alive
 * when kept); a kept 0 says nothing of that run unless the day after it was skipped.
 */
export function advanceStats(
  kept: WritingStats,
  before: CountedDay | undefined,
  after: CountedDay | undefined,
  today: string,
): WritingStats | undefined {
  const last = kept.lastEntryDate === null ? undefined : dayNumber(kept.lastEntryDate);
  const alive = (day: number) => dayNumber(today) - day <= 1;
  if (before !== undefined && before.date === after?.date) {
    // Only words changed. A kept 0 that would be alive now is no run to go on with.
    if (last === undefined || (kept.currentStreak === 0 && alive(last))) return undefined;
    return {
      ...kept,
      currentStreak: alive(last) ? kept.currentStreak : 0,
      totalWords: kept.totalWords - before.words + after.words,
    };
  }
  if (before !== undefined || after === undefined) return undefined;
  const day = dayNumber(after.date);
  let run: number;
  if (last === undefined) {
    if (kept.totalEntries !== 0) return undefined;
    run = 1;
  } else if (day > last + 1) {
    run = 1;
  } else if (day === last + 1 && kept.currentStreak > 0) {
    run = kept.currentStreak + 1;
  } else {
    return undefined;
  }
  return {
    currentStreak: alive(day) ? run : 0,
    longestStreak: Math.max(kept.longestStreak, run),
    lastEntryDate: after.date,
    totalEntries: kept.totalEntries + 1,
    totalWords: kept.totalWords + after.words,
  };
}
