import type { InsightBrief } from '../providers/types.js';

/** An entry of the period, as insights see it. */
export interface PeriodEntry {
  readonly date: string;
  readonly words: number;
  readonly mood: string | null;
  /** The ai-worker's analysis, when it has one. */
  readonly sentiment: { readonly score: number; readonly label: string } | null;
  readonly themes: readonly { readonly phrase: string; readonly count: number }[];
}

/** An entry of the user's up to the period's end: what milestones are counted over. */
export interface PastEntry {
  readonly date: string;
  readonly words: number;
}

export type InsightStats = InsightBrief['stats'];

const weekdays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const toneOfMood: Record<string, 'positive' | 'neutral' | 'negative'> = {
  ecstatic: 'positive',
  happy: 'positive',
  neutral: 'neutral',
  sad: 'negative',
  anxious: 'negative',
  angry: 'negative',
};
const streakMilestones = [7, 30, 100, 365];
const wordMilestones = [1_000, 10_000, 50_000, 100_000, 500_000];
const entryMilestones = [10, 50, 100, 365, 1_000];

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const round1 = (value: number) => Math.round(value * 10) / 10;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * The figures of one period, from its entries and the user's history up to its end. A pure
 * function: the same entries always give the same figures (so replays agree).
 *
 * An entry's tone is the mood its author chose where there is one, else its analysed sentiment.
 */
export function insightStats(
  period: readonly PeriodEntry[],
  history: readonly PastEntry[],
  from: string,
): InsightStats {
  const entries = [...period].sort((a, b) => a.date.localeCompare(b.date));
  const totalWords = entries.reduce((sum, entry) => sum + entry.words, 0);

  const wordsByDay = new Map<string, number>();
  for (const entry of entries) {
    const day = weekdays[new Date(`${entry.date}T00:00:00Z`).getUTCDay()] ?? 'sunday';
    wordsByDay.set(day, (wordsByDay.get(day) ?? 0) + entry.words);
  }
  let mostProductiveWeekday: string | null = null;
  for (const day of weekdays) {
    const words = wordsByDay.get(day);
    if (
      words !== undefined &&
      (mostProductiveWeekday === null || words > (wordsByDay.get(mostProductiveWeekday) ?? 0))
    ) {
      mostProductiveWeekday = day;
    }
  }

  const tones = { positive: 0, neutral: 0, negative: 0 };
  const moodCounts = new Map<string, number>();
  let toned = 0;
  for (const entry of entries) {
    const tone = entry.mood !== null ? toneOfMood[entry.mood] : entry.sentiment?.label;
    if (tone === 'positive' || tone === 'neutral' || tone === 'negative') {
      tones[tone] += 1;
      toned += 1;
    }
    if (entry.mood !== null) moodCounts.set(entry.mood, (moodCounts.get(entry.mood) ?? 0) + 1);
  }
  const percent = (count: number) => (toned === 0 ? 0 : round1((count / toned) * 100));
  let dominantMood: string | null = null;
  for (const [mood, count] of [...moodCounts].sort(([a], [b]) => a.localeCompare(b))) {
    if (dominantMood === null || count > (moodCounts.get(dominantMood) ?? 0)) dominantMood = mood;
  }

  const themeTotals = new Map<string, { count: number; sentiment: number; entries: number }>();
  for (const entry of entries) {
    for (const theme of entry.themes) {
      const total = themeTotals.get(theme.phrase) ?? { count: 0, sentiment: 0, entries: 0 };
      total.count += theme.count;
      total.sentiment += entry.sentiment?.score ?? 0;
      total.entries += 1;
      themeTotals.set(theme.phrase, total);
    }
  }
  const themes = [...themeTotals]
    .map(([phrase, total]) => ({ phrase, count: total.count, sentiment: round3(total.sentiment / total.entries) }))
    .sort((a, b) => b.count - a.count || a.phrase.localeCompare(b.phrase))
    .slice(0, 10);

  return {
    entries: entries.length,
    entriesAnalyzed: entries.filter((entry) => entry.sentiment !== null).length,
    totalWords,
    averageWords: entries.length === 0 ? 0 : Math.round(totalWords / entries.length),
    mostProductiveWeekday,
    longestStreak: longestRun(entries.map((entry) => entry.date)),
    moods: { positive: percent(tones.positive), neutral: percent(tones.neutral), negative: percent(tones.negative) },
    dominantMood,
    themes,
    milestones: milestones(history, from),
  };
}

/** The longest run of consecutive days among the dates. */
function longestRun(dates: readonly string[]): number {
  const days = [...new Set(dates.map(dayNumber))].sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  let previous: number | undefined;
  for (const day of days) {
    run = previous !== undefined && day === previous + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  return longest;
}

/** Streaks, words and entries that crossed a mark within the period (history runs to its end). */
function milestones(history: readonly PastEntry[], from: string): string[] {
  const sorted = [...history].sort((a, b) => a.date.localeCompare(b.date));
  const reached: string[] = [];
  const start = dayNumber(from);
  let run = 0;
  let previous: number | undefined;
  let words = 0;
  let count = 0;
  for (const entry of sorted) {
    const day = dayNumber(entry.date);
    const inPeriod = day >= start;
    if (day !== previous) {
      run = previous !== undefined && day === previous + 1 ? run + 1 : 1;
      if (inPeriod && streakMilestones.includes(run)) reached.push(`${String(run)}-day streak`);
    }
    previous = day;
    for (const mark of wordMilestones) {
      if (inPeriod && words < mark && words + entry.words >= mark)
        reached.push(`${mark.toLocaleString('en-US')} words`);
    }
    words += entry.words;
    count += 1;
    if (inPeriod && entryMilestones.includes(count)) reached.push(`${String(count)} entries`);
  }
  return reached;
}
