import {
  advanceStats,
  localDate,
  writingStats,
  type CountedDay,
  type EntryState,
  type Mood,
  type WritingStats,
} from '@mindflow/core/domain';
import { sql, type Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';

type Db = Kysely<WriteTables>;

export interface StoredEntry {
  readonly userId: string;
  readonly state: Exclude<EntryState, { status: 'absent' }>;
}

/**
 * The entry and its owner, locked for the rest of the transaction. Its columns are named, not
 * `*`, so that the statement is kept prepared (core/src/postgres/prepared.ts).
 */
export async function lockEntry(db: Db, entryId: string): Promise<StoredEntry | undefined> {
  const row = await db
    .selectFrom('journal_entries')
    .select([
      'id',
      'user_id',
      'deleted_at',
      'version',
      'entry_date',
      'title',
      'content',
      'mood',
      'location',
      'weather',
      'is_private',
      'word_count',
      'reading_time',
    ])
    .where('id', '=', entryId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const tags = await db
    .selectFrom('journal_entry_tags')
    .innerJoin('tags', 'tags.id', 'journal_entry_tags.tag_id')
    .select('tags.name')
    .where('journal_entry_tags.entry_id', '=', entryId)
    .orderBy('tags.name')
    .execute();
  return {
    userId: row.user_id,
    state: {
      status: row.deleted_at === null ? 'active' : 'deleted',
      entryId: row.id,
      version: row.version,
      date: row.entry_date,
      title: row.title,
      content: row.content,
      mood: row.mood as Mood | null,
      tags: tags.map((tag) => tag.name),
      location: row.location,
      weather: row.weather,
      isPrivate: row.is_private,
      wordCount: row.word_count,
      readingTime: row.reading_time,
    },
  };
}

/**
 * Writes an entry's state (after its events) to journal_entries, and its tags when they differ
 * from `linkedTags`, those it is linked to now (null: a new entry, linked to none).
 */
export async function saveEntry(
  db: Db,
  userId: string,
  state: StoredEntry['state'],
  deletedAt: Date | null,
  linkedTags: readonly string[] | null,
): Promise<void> {
  const columns = {
    entry_date: state.date,
    title: state.title,
    content: state.content,
    mood: state.mood,
    location: state.location,
    weather: state.weather,
    word_count: state.wordCount,
    reading_time: state.readingTime,
    is_private: state.isPrivate,
    version: state.version,
    deleted_at: deletedAt,
  };
  await db
    .insertInto('journal_entries')
    .values({ id: state.entryId, user_id: userId, ...columns })
    .onConflict((conflict) => conflict.column('id').doUpdateSet(columns))
    .execute();
  const linked = new Set(linkedTags);
  if (linked.size === new Set(state.tags).size && state.tags.every((tag) => linked.has(tag))) return;
  if (linkedTags !== null) await db.deleteFrom('journal_entry_tags').where('entry_id', '=', state.entryId).execute();
  if (state.tags.length === 0) return;
  await db
    .insertInto('tags')
    .values(state.tags.map((name) => ({ name })))
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  // A statement of its own, after the insert: its snapshot holds the tags another writer has
  // just added (which the insert waited for), as one statement with the insert's would not.
  await db
    .insertInto('journal_entry_tags')
    .columns(['entry_id', 'tag_id'])
    .expression(
      db
        .selectFrom('tags')
        .select([sql<string>`${state.entryId}::uuid`.as('entry_id'), 'id'])
        .where('name', 'in', state.tags),
    )
    .execute();
}

/**
 * Keeps the writer's streaks and totals (user_streaks) after one of their entries went from
 * `before` to `after` (undefined: absent or deleted): stepped from the kept row when the change
 * allows it (advanceStats) and the row does not ask to be counted again (`recount`), else
 * counted again from all their entries. The row is locked first, so a writer's entry commands
 * keep it one after the other, each after the last one committed.
 */
export async function refreshStreaks(
  db: Db,
  userId: string,
  now: Date,
  before: CountedDay | undefined,
  after: CountedDay | undefined,
): Promise<WritingStats> {
  const kept = await db
    .selectFrom('user_streaks')
    .innerJoin('users', 'users.id', 'user_streaks.user_id')
    .select([
      'users.timezone',
      'user_streaks.current_streak as currentStreak',
      'user_streaks.longest_streak as longestStreak',
      'user_streaks.last_entry_date as lastEntryDate',
      'user_streaks.total_entries as totalEntries',
      'user_streaks.total_words as totalWords',
      'user_streaks.recount',
    ])
    .where('user_streaks.user_id', '=', userId)
    .forUpdate('user_streaks')
    .executeTakeFirst();
  const stepped =
    kept?.recount === false ? advanceStats(kept, before, after, localDate(now, kept.timezone)) : undefined;
  const stats = stepped ?? (await readWritten(db, userId, now)).stats;
  const values = {
    current_streak: stats.currentStreak,
    longest_streak: stats.longestStreak,
    last_entry_date: stats.lastEntryDate,
    total_entries: stats.totalEntries,
    total_words: stats.totalWords,
    recount: false,
  };
  await db
    .insertInto('user_streaks')
    .values({ user_id: userId, ...values })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet(values))
    .execute();
  return stats;
}

/** A writer's (not deleted) entries, their time zone, and what the entries add up to `now`. */
export interface Written {
  readonly timezone: string;
  readonly entries: readonly { readonly date: string; readonly words: number }[];
  readonly stats: WritingStats;
}

export async function readWritten(db: Db, userId: string, now: Date): Promise<Written> {
  const user = await db.selectFrom('users').select('timezone').where('id', '=', userId).executeTakeFirstOrThrow();
  const entries = await db
    .selectFrom('journal_entries')
    .select(['entry_date as date', 'word_count as words'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
  return { timezone: user.timezone, entries, stats: writingStats(entries, now, user.timezone) };
}
