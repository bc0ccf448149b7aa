import { logOffset } from '@mindflow/core/bus';
import { defaultSettings, writingStats } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { sql, type Kysely } from 'kysely';
import type { Projection } from '@mindflow/core/projections';
import { attachmentAdded, attachmentRemoved, thumbnailGenerated } from './attachments.js';
import { analysisWithdrawn, entryAnalyzed, insightGenerated, insightRequested } from './ai-views.js';
import type { ReadModelTables } from './tables.js';

type Db = Kysely<ReadModelTables>;
type Event = DecodedEvent<MindflowEvents>;
type Of<T extends Event['type']> = Extract<Event, { type: T }>;

/** The read model's tables: every one has a user_id, and holds nothing else's. */
const views = [
  'journal_view',
  'entry_history',
  'mood_calendar',
  'tag_counts',
  'entry_analysis_view',
  'insight_view',
  'profile_view',
] as const;

/**
 * The read model: profile, journals, entry history, mood calendar, tag counts, analyses and
 * insights, each kept current event by event. Soft-deleted entries leave the calendar and the
 * tag counts, and come back on restore. An erased user leaves every view.
 *
 * Each view row keeps the version of the stream it reflects (journal_view.version for the
 * entry's stream, profile_view.stream_version for the user's): an event at or below it, a
 * redelivery or an older version arriving late, changes nothing but the entry's history.
 */
export const readModelProjection: Projection<ReadModelTables> = {
  name: 'read-model',
  tables: views,
  usersApart: true,
  apply: async (db, events) => {
    for (const event of events) await applyEvent(db, event);
    await recordReadPoints(db, events);
  },
};

async function applyEvent(db: Db, event: Event): Promise<void> {
  switch (event.type) {
    case 'UserRegistered':
      return userRegistered(db, event);
    case 'UserProfileUpdated':
      return profileUpdated(db, event);
    case 'SettingsUpdated':
      return updateProfile(db, event, { settings: JSON.stringify(event.data) });
    case 'ConsentRecorded':
      return updateProfile(db, event, { consent: JSON.stringify({ ...event.data, recordedAt: event.occurredAt }) });
    case 'RoleGranted':
    case 'RoleRevoked':
      return rolesChanged(db, event);
    case 'EntryCreated':
      return entryCreated(db, event);
    case 'EntryUpdated':
      return entryUpdated(db, event);
    case 'EntryDeleted':
    case 'EntryRestored':
      return entryDeletedOrRestored(db, event);
    case 'AttachmentAdded':
      return attachmentAdded(db, event);
    case 'AttachmentRemoved':
      return attachmentRemoved(db, event);
    case 'ThumbnailGenerated':
      return thumbnailGenerated(db, event);
    case 'UserErased':
      return userErased(db, userOf(event));
    case 'EntryAnalyzed':
      return entryAnalyzed(db, event, userOf(event));
    case 'EntryAnalysisWithdrawn':
      return analysisWithdrawn(db, event);
    case 'InsightRequested':
      return insightRequested(db, event, userOf(event));
    case 'InsightGenerated':
      return insightGenerated(db, event, userOf(event));
    default:
      return undefined;
  }
}

// Streaks and totals once per user per batch, not once per event: a rebuild's batches of
// thousands of events would otherwise rescan each writer's entries thousands of times.
async function recordReadPoints(db: Db, events: readonly Event[]): Promise<void> {
  const lastEntryEvent = new Map<string, Date>();
  const newest = new Map<string, Event>();
  const highest = new Map<string, number>();
  for (const event of events) {
    if (event.userId === null) continue;
    // Events come in commit order: the last of a user's is the newest applied (its key). Positions
    // are not commit-ordered: the highest is kept apart, so that the read point is the same
    // however the events were cut into batches (live, redelivered, rebuilt).
    newest.set(event.userId, event);
    highest.set(event.userId, Math.max(highest.get(event.userId) ?? 0, event.globalPosition));
    if (event.type.startsWith('Entry')) lastEntryEvent.set(event.userId, event.occurredAt);
  }
  // One update of each user's profile per batch: the read point, and the stats when entries moved.
  for (const [userId, event] of newest) {
    await recordReadPoint(db, userId, event, highest.get(userId) ?? event.globalPosition, lastEntryEvent.get(userId));
  }
}

/** Everything of the user's goes: the views hold their text, their profile, their figures. */
async function userErased(db: Db, userId: string) {
  for (const table of views) await db.deleteFrom(table).where('user_id', '=', userId).execute();
}

async function userRegistered(db: Db, event: Of<'UserRegistered'>) {
  const { email, displayName, timezone, language, theme } = event.data;
  await db
    .insertInto('profile_view')
    .values({
      user_id: userOf(event),
      email,
      display_name: displayName,
      photo_url: null,
      timezone,
      language,
      theme,
      settings: JSON.stringify(defaultSettings),
      consent: JSON.stringify(null),
      joined_at: event.occurredAt,
      updated_at: event.occurredAt,
      stream_version: event.streamVersion,
    })
    .onConflict((conflict) => conflict.column('user_id').doNothing())
    .execute();
}

/** The profile row, if `event` is newer than the user-stream version it reflects. */
const newerProfile = (db: Db, event: Event) =>
  db.updateTable('profile_view').where('user_id', '=', userOf(event)).where('stream_version', '<', event.streamVersion);

async function updateProfile(db: Db, event: Event, values: { settings?: string; consent?: string }) {
  await newerProfile(db, event)
    .set({ ...values, updated_at: event.occurredAt, stream_version: event.streamVersion })
    .execute();
}

async function profileUpdated(db: Db, event: Of<'UserProfileUpdated'>) {
  const { displayName, photoUrl, timezone, language, theme } = event.data.changes;
  const userId = userOf(event);
  const applied = await newerProfile(db, event)
    .set({
      ...(displayName === undefined ? {} : { display_name: displayName }),
      ...(photoUrl === undefined ? {} : { photo_url: photoUrl }),
      ...(timezone === undefined ? {} : { timezone }),
      ...(language === undefined ? {} : { language }),
      ...(theme === undefined ? {} : { theme }),
      updated_at: event.occurredAt,
      stream_version: event.streamVersion,
    })
    .returning('user_id')
    .executeTakeFirst();
  if (applied !== undefined && (displayName !== undefined || photoUrl !== undefined)) {
    await db
      .updateTable('journal_view')
      .set({
        ...(displayName === undefined ? {} : { author_name: displayName }),
        ...(photoUrl === undefined ? {} : { author_photo: photoUrl }),
      })
      .where('user_id', '=', userId)
      .execute();
  }
}

async function rolesChanged(db: Db, event: Of<'RoleGranted' | 'RoleRevoked'>) {
  const role = event.data.role;
  await newerProfile(db, event)
    .set({
      roles:
        event.type === 'RoleGranted'
          ? sql<string[]>`array(select distinct unnest(roles || array[${role}]::text[]))`
          : sql<string[]>`array_remove(roles, ${role})`,
      updated_at: event.occurredAt,
      stream_version: event.streamVersion,
    })
    .execute();
}

async function entryCreated(db: Db, event: Of<'EntryCreated'>) {
  const userId = userOf(event);
  const { data } = event;
  const author = await db
    .selectFrom('profile_view')
    .select(['display_name', 'photo_url'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const created = await db
    .insertInto('journal_view')
    .values({
      entry_id: data.entryId,
      user_id: userId,
      entry_date: data.date,
      title: data.title,
      content: data.content,
      mood: data.mood,
      tags: data.tags,
      location: data.location,
      weather: data.weather,
      is_private: data.isPrivate,
      word_count: data.wordCount,
      reading_time: data.readingTime,
      author_name: author?.display_name ?? null,
      author_photo: author?.photo_url ?? null,
      version: event.streamVersion,
      created_at: event.occurredAt,
      updated_at: event.occurredAt,
    })
    .onConflict((conflict) => conflict.column('entry_id').doNothing())
    .returning('entry_id')
    .executeTakeFirst();
  await history(db, event, data.entryId, 'created', { ...data });
  if (created === undefined) return; // applied before
  await countTags(db, userId, data.tags, 1);
  await placeOnCalendar(db, userId, data.entryId, data.date, data.mood);
}

async function entryUpdated(db: Db, event: Of<'EntryUpdated'>) {
  const userId = userOf(event);
  const { entryId, changes } = event.data;
  await history(db, event, entryId, 'updated', { ...changes });
  const before = await entryBefore(db, event);
  if (before === undefined) return;
  await db
    .updateTable('journal_view')
    .set({
      ...(changes.date === undefined ? {} : { entry_date: changes.date }),
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.content === undefined ? {} : { content: changes.content }),
      ...(changes.mood === undefined ? {} : { mood: changes.mood }),
      ...(changes.tags === undefined ? {} : { tags: changes.tags }),
      ...(changes.location === undefined ? {} : { location: changes.location }),
      ...(changes.weather === undefined ? {} : { weather: changes.weather }),
      ...(changes.isPrivate === undefined ? {} : { is_private: changes.isPrivate }),
      ...(changes.wordCount === undefined ? {} : { word_count: changes.wordCount }),
      ...(changes.readingTime === undefined ? {} : { reading_time: changes.readingTime }),
      version: event.streamVersion,
      updated_at: event.occurredAt,
    })
    .where('entry_id', '=', entryId)
    .execute();
  if (before.deleted_at !== null) return; // a deleted entry is in no calendar or count
  if (changes.tags !== undefined) {
    await countTags(db, userId, before.tags, -1);
    await countTags(db, userId, changes.tags, 1);
  }
  if (changes.date !== undefined || changes.mood !== undefined) {
    await db.deleteFrom('mood_calendar').where('entry_id', '=', entryId).execute();
    await placeOnCalendar(
      db,
      userId,
      entryId,
      changes.date ?? before.entry_date,
      changes.mood === undefined ? before.mood : changes.mood,
    );
  }
}

async function entryDeletedOrRestored(db: Db, event: Of<'EntryDeleted' | 'EntryRestored'>) {
  const userId = userOf(event);
  const { entryId } = event.data;
  const deleted = event.type === 'EntryDeleted';
  await history(db, event, entryId, deleted ? 'deleted' : 'restored', {});
  if ((await entryBefore(db, event)) === undefined) return;
  const entry = await db
    .updateTable('journal_view')
    .set({ deleted_at: deleted ? event.occurredAt : null, version: event.streamVersion, updated_at: event.occurredAt })
    .where('entry_id', '=', entryId)
    .returning(['tags', 'entry_date', 'mood'])
    .executeTakeFirstOrThrow();
  await countTags(db, userId, entry.tags, deleted ? -1 : 1);
  if (deleted) await db.deleteFrom('mood_calendar').where('entry_id', '=', entryId).execute();
  else await placeOnCalendar(db, userId, entryId, entry.entry_date, entry.mood);
}

/**
 * The entry's view row as it stood before `event`, locked; undefined when the row already
 * reflects this version or a newer one (a redelivery, or an older event arriving late). Throws
 * when there is no row: the entry's creation has not been applied.
 */
async function entryBefore(db: Db, event: Of<'EntryUpdated' | 'EntryDeleted' | 'EntryRestored'>) {
  const row = await db
    .selectFrom('journal_view')
    .selectAll()
    .where('entry_id', '=', event.data.entryId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row.version < event.streamVersion ? row : undefined;
}

/** A version of the entry in its history, once: whatever order versions arrive in, each has its row. */
async function history(db: Db, event: Event, entryId: string, kind: string, changes: Record<string, unknown>) {
  const actor = event.metadata.actorId;
  await db
    .insertInto('entry_history')
    .values({
      entry_id: entryId,
      version: event.streamVersion,
      user_id: userOf(event),
      at: event.occurredAt,
      actor_id: actor !== undefined && /^[0-9a-f-]{36}$/i.test(actor) ? actor : null,
      kind,
      changes: JSON.stringify(changes),
    })
    .onConflict((conflict) => conflict.columns(['entry_id', 'version']).doNothing())
    .execute();
}

async function countTags(db: Db, userId: string, tags: readonly string[], delta: 1 | -1) {
  if (tags.length === 0) return;
  if (delta === 1) {
    await db
      .insertInto('tag_counts')
      .values(tags.map((tag) => ({ user_id: userId, tag, count: 1 })))
      .onConflict((conflict) =>
        conflict.columns(['user_id', 'tag']).doUpdateSet((eb) => ({ count: eb('tag_counts.count', '+', 1) })),
      )
      .execute();
    return;
  }
  await db
    .updateTable('tag_counts')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('user_id', '=', userId)
    .where('tag', 'in', tags)
    .execute();
  await db.deleteFrom('tag_counts').where('user_id', '=', userId).where('count', '=', 0).execute();
}

async function placeOnCalendar(db: Db, userId: string, entryId: string, date: string, mood: string | null) {
  await db
    .insertInto('mood_calendar')
    .values({ user_id: userId, entry_date: date, mood, entry_id: entryId })
    .onConflict((conflict) => conflict.columns(['user_id', 'entry_date']).doUpdateSet({ mood, entry_id: entryId }))
    .execute();
}

/**
 * A user's read point, for read-your-writes: the highest position of their events applied, and
 * the newest commit-order key; with their streaks and totals, "today" being `entriesMovedAt` in
 * their time zone, when a batch touched their entries. Through the query builder, so that a
 * rebuild's shadow schema (withSchema) is honoured.
 */
async function recordReadPoint(
  db: Db,
  userId: string,
  newest: Event,
  highestPosition: number,
  entriesMovedAt: Date | undefined,
) {
  const key = logOffset({ transactionId: newest.transactionId, position: newest.globalPosition });
  await db
    .updateTable('profile_view')
    .set({
      position: sql<string>`greatest(position, ${highestPosition})`,
      read_key: sql<string>`greatest(read_key, ${key})`,
      ...(entriesMovedAt === undefined ? {} : await statsOf(db, userId, entriesMovedAt)),
    })
    .where('user_id', '=', userId)
    .execute();
}

/** Streaks and totals from the user's (not deleted) entries, "today" being `at` in their time zone. */
async function statsOf(db: Db, userId: string, at: Date) {
  const profile = await db
    .selectFrom('profile_view')
    .select('timezone')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const entries = await db
    .selectFrom('journal_view')
    .select(['entry_date as date', 'word_count as words'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
  const stats = writingStats(entries, at, profile?.timezone ?? 'UTC');
  return {
    current_streak: stats.currentStreak,
    longest_streak: stats.longestStreak,
    last_entry_date: stats.lastEntryDate,
    total_entries: stats.totalEntries,
    total_words: stats.totalWords,
  };
}

function userOf(event: Event): string {
  if (event.userId === null) throw new Error(`${event.type} ${event.eventId} has no user`);
  return event.userId;
}
