import type { ReadDb } from '../database.js';
import { toEntryView, type EntryView } from './view.js';

/** One version of an entry: what happened to it, who did it and when. */
export interface HistoryItem {
  readonly version: number;
  readonly kind: string;
  readonly at: string;
  readonly actorId: string | null;
  readonly changes: Record<string, unknown>;
}

interface HistoryRow {
  readonly version: number;
  readonly kind: string;
  readonly at: Date;
  readonly actor_id: string | null;
  readonly changes: Record<string, unknown>;
}

const toItem = (row: HistoryRow): HistoryItem => ({
  version: row.version,
  kind: row.kind,
  at: row.at.toISOString(),
  actorId: row.actor_id,
  changes: row.changes,
});

/** The versions of one of the user's entries. */
const versionsOf = (db: ReadDb, userId: string, entryId: string) =>
  db
    .selectFrom('entry_history')
    .select(['version', 'kind', 'at', 'actor_id', 'changes'])
    .where('entry_id', '=', entryId)
    .where('user_id', '=', userId);

/** A page of an entry's versions, oldest first, after version `after`. */
export async function entryHistory(db: ReadDb, userId: string, entryId: string, after: number, limit: number) {
  const rows = await versionsOf(db, userId, entryId)
    .where('version', '>', after)
    .orderBy('version')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toItem);
  return { items, next: rows.length > limit ? (items.at(-1)?.version ?? null) : null };
}

/** The entry as it stood at `version`, with whether it was deleted then; undefined past its last version. */
export async function entryAtVersion(db: ReadDb, userId: string, entryId: string, version: number) {
  const rows = await versionsOf(db, userId, entryId).where('version', '<=', version).orderBy('version').execute();
  if (rows.at(-1)?.version !== version) return undefined;
  return replay(entryId, rows);
}

/** Folds an entry's versions, oldest first, into its state after the last. */
export function replay(
  entryId: string,
  rows: readonly HistoryRow[],
): { entry: EntryView; deleted: boolean; at: string; actorId: string | null } {
  let state: Record<string, unknown> = {};
  let deleted = false;
  for (const row of rows) {
    if (row.kind === 'created') state = { ...row.changes };
    else if (row.kind === 'updated') state = { ...state, ...row.changes };
    deleted = row.kind === 'deleted' ? true : row.kind === 'restored' ? false : deleted;
  }
  const first = rows[0];
  const last = rows.at(-1);
  if (first === undefined || last === undefined) throw new Error(`entry ${entryId} has no history`);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  const entry = toEntryView({
    entry_id: entryId,
    entry_date: text(state.date) ?? '',
    title: text(state.title),
    content: text(state.content),
    mood: text(state.mood),
    tags: Array.isArray(state.tags) ? state.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    location: text(state.location),
    weather: text(state.weather),
    is_private: state.isPrivate === true,
    word_count: count(state.wordCount),
    reading_time: count(state.readingTime),
    attachments: [],
    version: last.version,
    created_at: first.at,
    updated_at: last.at,
    prompt_id: text(state.promptId),
  });
  return { entry, deleted, at: last.at.toISOString(), actorId: last.actor_id };
}
