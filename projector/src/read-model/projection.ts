import { logOffset } from '@mindflow/core/bus';
import { defaultSettings, writingStats, type WritingStats } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { sql, type Kysely } from 'kysely';
import type { Projection } from '@mindflow/core/projections';
import { anyOf, unnested } from './unnested.js';
import { attachmentAdded, attachmentRemoved, thumbnailGenerated } from './attachments.js';
import { EntryFold, isEntryEvent, userOf } from './entry-fold.js';
import { applyHabitEvent } from './habits.js';
import {
  analysisWithdrawn,
  entryAnalyzed,
  insightGenerated,
  insightRequested,
  notificationRaised,
  notificationRead,
} from './ai-views.js';
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
  'notification_view',
  'achievement_view',
  'goal_view',
  'template_view',
  'prompt_view',
  'profile_view',
] as const;

/**
 * The read model: profile, journals, entry history, mood calendar, tag counts, analyses,
 * insights and notifications, each kept current event by event. Soft-deleted entries leave the calendar and the
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
    const entries = new EntryFold(db);
    for (const event of events) {
      if (isEntryEvent(event)) {
        entries.add(event);
        continue;
      }
      // What the fold holds back is written before an event that reads or changes it.
      if (!apartFromEntries.has(event.type) && entries.holds(event.userId)) await entries.flush();
      await applyEvent(db, event);
    }
    await entries.flush();
    await recordReadPoints(db, events);
  },
};

/** Events that touch neither an entry's view row, its history, the tag counts nor the calendar. */
const apartFromEntries: ReadonlySet<string> = new Set([
  'EntryAnalyzed',
  'EntryAnalysisWithdrawn',
  'InsightRequested',
  'InsightGenerated',
  'NotificationRaised',
  'NotificationRead',
  'AchievementUnlocked',
  'GoalSet',
  'GoalChanged',
  'GoalRemoved',
  'TemplateCreated',
  'TemplateChanged',
  'TemplateRemoved',
  'PromptAdded',
  'PromptRemoved',
]);

async function applyEvent(db: Db, event: Event): Promise<void> {
  switch (event.type) {
    case 'UserRegistered':
      return userRegistered(db, event);
    case 'UserProfileUpdated':
      return profileUpdated(db, event);
    case 'SettingsUpdated':
      return updateProfile(db, event, { settings: JSON.stringify(event.data) });
    case 'RemindersSet':
      return updateProfile(db, event, { reminders: JSON.stringify(event.data) });
    case 'ConsentRecorded':
      return updateProfile(db, event, { consent: JSON.stringify({ ...event.data, recordedAt: event.occurredAt }) });
    case 'RoleGranted':
    case 'RoleRevoked':
      return rolesChanged(db, event);
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
    case 'NotificationRaised':
      return notificationRaised(db, event, userOf(event));
    case 'GoalSet':
    case 'GoalChanged':
    case 'GoalRemoved':
    case 'TemplateCreated':
    case 'TemplateChanged':
    case 'TemplateRemoved':
    case 'PromptAdded':
    case 'PromptRemoved':
    case 'AchievementUnlocked':
      return applyHabitEvent(db, event);
    case 'NotificationRead':
      return notificationRead(db, event);
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
  if (newest.size === 0) return;
  const stats = await statsOf(db, lastEntryEvent);
  const points = [...newest].map(([userId, event]) => ({
    userId,
    position: highest.get(userId) ?? event.globalPosition,
    key: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
    stats: stats.get(userId),
  }));
  // One statement for every user of the batch: the read point, and the stats where entries moved.
  // Through the query builder, so that a rebuild's shadow schema (withSchema) is honoured.
  const column = <T>(pick: (point: (typeof points)[number]) => T) => points.map(pick);
  const point = unnested('point', {
    user_id: { values: column((p) => p.userId), type: 'uuid' },
    position: { values: column((p) => p.position), type: 'bigint' },
    read_key: { values: column((p) => p.key), type: 'text' },
    moved: { values: column((p) => p.stats !== undefined), type: 'boolean' },
    current_streak: { values: column((p) => p.stats?.currentStreak ?? 0), type: 'int' },
    longest_streak: { values: column((p) => p.stats?.longestStreak ?? 0), type: 'int' },
    last_entry_date: { values: column((p) => p.stats?.lastEntryDate ?? null), type: 'date' },
    total_entries: { values: column((p) => p.stats?.totalEntries ?? 0), type: 'int' },
    total_words: { values: column((p) => p.stats?.totalWords ?? 0), type: 'int' },
  });
  const kept = (name: string) =>
    sql<never>`case when point.moved then point.${sql.raw(name)} else profile_view.${sql.raw(name)} end`;
  await db
    .updateTable('profile_view')
    .from(point)
    .set({
      position: sql<string>`greatest(profile_view.position, point.position)`,
      read_key: sql<string>`greatest(profile_view.read_key, point.read_key)`,
      current_streak: kept('current_streak'),
      longest_streak: kept('longest_streak'),
      last_entry_date: kept('last_entry_date'),
      total_entries: kept('total_entries'),
      total_words: kept('total_words'),
    })
    .whereRef('profile_view.user_id', '=', 'point.user_id')
    .execute();
}

/**
 * Streaks and totals of each user whose entries moved, from their (not deleted) entries, "today"
 * being the time of their newest entry event in their time zone: two reads for the whole batch.
 */
async function statsOf(db: Db, movedAt: ReadonlyMap<string, Date>): Promise<Map<string, WritingStats>> {
  const stats = new Map<string, WritingStats>();
  const users = [...movedAt.keys()];
  if (users.length === 0) return stats;
  const zones = await db
    .selectFrom('profile_view')
    .select(['user_id', 'timezone'])
    .where('user_id', '=', anyOf(users, 'uuid'))
    .execute();
  const entries = await db
    .selectFrom('journal_view')
    .select(['user_id', 'entry_date as date', 'word_count as words'])
    .where('user_id', '=', anyOf(users, 'uuid'))
    .where('deleted_at', 'is', null)
    .execute();
  const byUser = new Map<string, { date: string; words: number }[]>();
  for (const entry of entries) {
    const own = byUser.get(entry.user_id);
    if (own === undefined) byUser.set(entry.user_id, [entry]);
    else own.push(entry);
  }
  const zoneOf = new Map(zones.map((row) => [row.user_id, row.timezone]));
  for (const [userId, at] of movedAt) {
    stats.set(userId, writingStats(byUser.get(userId) ?? [], at, zoneOf.get(userId) ?? 'UTC'));
  }
  return stats;
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

async function updateProfile(
  db: Db,
  event: Event,
  values: { settings?: string; consent?: string; reminders?: string },
) {
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
