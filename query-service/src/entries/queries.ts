import { sql } from 'kysely';
import type { ReadDb } from '../database.js';
import { entryColumns, toEntryView, type EntryView } from './view.js';

export interface EntryFilter {
  readonly from?: string;
  readonly to?: string;
  /** Any of these moods. */
  readonly moods?: readonly string[];
  /** All of these tags. */
  readonly tags?: readonly string[];
  /** The trash: deleted entries instead of the others. */
  readonly deleted?: boolean;
}

/** The key entries are listed by: newest date first, then id. */
export type EntryKey = readonly [date: string, id: string];

export interface EntryPage {
  readonly items: EntryView[];
  /** The key of the last item when more follow. */
  readonly next: EntryKey | null;
}

/**
 * One page of a user's entries (not deleted, or only the deleted ones: the trash), newest first,
 * after `after`: a keyset page, so entries written meanwhile never shift it into duplicates or gaps.
 */
export async function listEntries(
  db: ReadDb,
  userId: string,
  filter: EntryFilter,
  after: EntryKey | undefined,
  limit: number,
): Promise<EntryPage> {
  let query = db
    .selectFrom('journal_view')
    .select(entryColumns)
    .where('user_id', '=', userId)
    .where('deleted_at', filter.deleted === true ? 'is not' : 'is', null);
  if (filter.from !== undefined) query = query.where('entry_date', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('entry_date', '<=', filter.to);
  if (filter.moods !== undefined && filter.moods.length > 0) query = query.where('mood', 'in', filter.moods);
  if (filter.tags !== undefined && filter.tags.length > 0) {
    query = query.where('tags', '@>', sql<string[]>`${filter.tags.map((tag) => tag.trim().toLowerCase())}::text[]`);
  }
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('entry_date', 'entry_id'), '<', eb.tuple(after[0], after[1])));
  }
  const rows = await query
    .orderBy('entry_date', 'desc')
    .orderBy('entry_id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toEntryView);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? [last.date, last.id] : null };
}

/** One of the user's entries, deleted or not. */
const entryOf = (db: ReadDb, userId: string, entryId: string) =>
  db.selectFrom('journal_view').where('entry_id', '=', entryId).where('user_id', '=', userId);

/** One of the user's entries; undefined when it is not theirs, not there, or deleted. */
export async function findEntry(db: ReadDb, userId: string, entryId: string): Promise<EntryView | undefined> {
  const row = await entryOf(db, userId, entryId)
    .select(entryColumns)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : toEntryView(row);
}

/** Whether the user owns the entry, deleted or not (its history stays theirs). */
export async function ownsEntry(db: ReadDb, userId: string, entryId: string): Promise<boolean> {
  return (await entryOf(db, userId, entryId).select('entry_id').executeTakeFirst()) !== undefined;
}

/** The user's entries on `date`'s month and day in earlier years, newest first. */
export async function entriesOnThisDay(db: ReadDb, userId: string, date: string): Promise<EntryView[]> {
  const [, month, day] = date.split('-').map(Number);
  // 29 February is remembered on 28 February in the years that lack it.
  const leapDay = month === 2 && day === 28 && !isLeapYear(Number(date.slice(0, 4)));
  const rows = await db
    .selectFrom('journal_view')
    .select(entryColumns)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .where('entry_date', '<', date)
    .where(sql<number>`extract(month from entry_date)`, '=', month ?? 0)
    .where((eb) =>
      leapDay
        ? eb(sql<number>`extract(day from entry_date)`, 'in', [28, 29])
        : eb(sql<number>`extract(day from entry_date)`, '=', day ?? 0),
    )
    .orderBy('entry_date', 'desc')
    .limit(100)
    .execute();
  return rows.map(toEntryView);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
