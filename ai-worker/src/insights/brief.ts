import { sql } from 'kysely';
import { sentencesOf } from '../analysis/analyze.js';
import type { WorkerDb } from '../database.js';
import type { InsightBrief } from '../providers/types.js';
import { insightStats, type PeriodEntry } from './stats.js';

export interface InsightPeriod {
  readonly userId: string;
  readonly kind: InsightBrief['kind'];
  readonly from: string;
  readonly to: string;
}

const maxExcerpts = 3;
const maxExcerptLength = 240;

/**
 * The brief of a user's insight over a period, from the write database as it stands: their
 * entries that the AI may read (not deleted, not private) with their analyses, and their history
 * up to the period's end for milestones. The caller makes sure the user is not in private mode.
 */
export async function gatherBrief(db: WorkerDb, period: InsightPeriod): Promise<InsightBrief> {
  const { userId, from, to } = period;
  const visible = db
    .selectFrom('journal_entries as entry')
    .where('entry.user_id', '=', userId)
    .where('entry.deleted_at', 'is', null)
    .where('entry.is_private', '=', false);
  const [user, rows, history] = await Promise.all([
    db.selectFrom('users').select('language').where('id', '=', userId).executeTakeFirst(),
    visible
      .leftJoin('entry_analyses as analysis', 'analysis.entry_id', 'entry.id')
      .select([
        sql<string>`entry.entry_date::text`.as('date'),
        'entry.word_count',
        'entry.mood',
        'entry.content',
        'analysis.score',
        'analysis.label',
        'analysis.themes',
      ])
      .where('entry.entry_date', '>=', from)
      .where('entry.entry_date', '<=', to)
      .orderBy('entry.entry_date')
      .execute(),
    visible
      .select([sql<string>`entry.entry_date::text`.as('date'), 'entry.word_count as words'])
      .where('entry.entry_date', '<=', to)
      .execute(),
  ]);
  const entries: PeriodEntry[] = rows.map((row) => ({
    date: row.date,
    words: row.word_count,
    mood: row.mood,
    sentiment: row.score === null || row.label === null ? null : { score: row.score, label: row.label },
    themes: row.themes ?? [],
  }));
  const stats = insightStats(entries, history, from);
  return {
    kind: period.kind,
    from,
    to,
    language: user?.language ?? 'en',
    stats,
    excerpts: excerpts(
      rows.map((row) => row.content),
      stats.themes.map((theme) => theme.phrase),
    ),
  };
}

/**
 * An extractive summary's raw material: the sentences that mention the period's themes most,
 * in the order they were written, each at most a few hundred characters.
 */
function excerpts(contents: readonly string[], themes: readonly string[]): string[] {
  const scored = contents
    .flatMap((content) => sentencesOf(content.replace(/[#*_>`~[\]]/g, ' ').replace(/\s+/g, ' ')))
    .map((sentence, index) => {
      const lower = sentence.toLowerCase();
      const hits = themes.filter((theme) => lower.includes(theme)).length;
      return { sentence: sentence.trim(), index, hits };
    })
    .filter((item) => item.sentence.length >= 20 && item.sentence.length <= maxExcerptLength && item.hits > 0);
  return scored
    .sort((a, b) => b.hits - a.hits || a.index - b.index)
    .slice(0, maxExcerpts)
    .sort((a, b) => a.index - b.index)
    .map((item) => item.sentence);
}
