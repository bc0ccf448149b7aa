import { moodTone, moods, type Mood } from '@mindflow/core/domain';
import type { ReadDb } from '../database.js';

/** Every day of a month: its mood and whether the user wrote that day. */
export async function monthCalendar(db: ReadDb, userId: string, year: number, month: number) {
  const first = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = `${first.slice(0, 8)}${String(daysInMonth).padStart(2, '0')}`;
  const rows = await db
    .selectFrom('mood_calendar')
    .select(['entry_date', 'mood', 'entry_id'])
    .where('user_id', '=', userId)
    .where('entry_date', '>=', first)
    .where('entry_date', '<=', last)
    .execute();
  const byDate = new Map(rows.map((row) => [row.entry_date, row]));
  return Array.from({ length: daysInMonth }, (_, i) => {
    const date = `${first.slice(0, 8)}${String(i + 1).padStart(2, '0')}`;
    const row = byDate.get(date);
    return {
      date,
      hasEntry: row !== undefined,
      mood: (row?.mood ?? null) as Mood | null,
      entryId: row?.entry_id ?? null,
    };
  });
}

/** A percentage with one decimal. */
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/**
 * Mood counts over the `days` days ending `today`, and the share of positive (ecstatic, happy),
 * neutral and negative (sad, anxious, angry) moods among the entries that have one.
 */
export async function moodTrend(db: ReadDb, userId: string, days: number, today: string) {
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const rows = await db
    .selectFrom('mood_calendar')
    .select(['mood', (eb) => eb.fn.countAll<string>().as('n')])
    .where('user_id', '=', userId)
    .where('entry_date', '>=', from)
    .where('entry_date', '<=', today)
    .groupBy('mood')
    .execute();
  const counts = Object.fromEntries(moods.map((mood) => [mood, 0])) as Record<Mood, number>;
  let entries = 0;
  for (const row of rows) {
    const n = Number(row.n);
    entries += n;
    if (row.mood !== null && row.mood in counts) counts[row.mood as Mood] += n;
  }
  const withMood = moods.reduce((sum, mood) => sum + counts[mood], 0);
  const share = (group: (mood: Mood) => boolean) =>
    percent(
      moods.filter(group).reduce((sum, mood) => sum + counts[mood], 0),
      withMood,
    );
  return {
    days,
    from,
    to: today,
    entries,
    counts,
    positive: share((mood) => moodTone(mood) === 'positive'),
    neutral: share((mood) => moodTone(mood) === 'neutral'),
    negative: share((mood) => moodTone(mood) === 'negative'),
  };
}

/** The user's tags with how many of their entries carry each, most used first. */
export async function tagCounts(db: ReadDb, userId: string) {
  const rows = await db
    .selectFrom('tag_counts')
    .select(['tag', 'count'])
    .where('user_id', '=', userId)
    .where('count', '>', 0)
    .orderBy('count', 'desc')
    .orderBy('tag')
    .execute();
  return rows.map((row) => ({ name: row.tag, count: row.count }));
}
