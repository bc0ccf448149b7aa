import { computeStreaks, localDate } from '@mindflow/core/domain';
import { Consent, Language, Reminders, Role, Settings, Theme } from '@mindflow/core/events';
import { Type, type Static } from '@sinclair/typebox';
import type { ReadDb } from '../database.js';

export const Stats = Type.Object({
  currentStreak: Type.Integer(),
  longestStreak: Type.Integer(),
  lastEntryDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  totalEntries: Type.Integer(),
  totalWords: Type.Integer(),
  avgWordsPerEntry: Type.Integer(),
});

export const ProfileView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.Union([Type.String(), Type.Null()]),
  photoUrl: Type.Union([Type.String(), Type.Null()]),
  timezone: Type.String(),
  language: Language,
  theme: Theme,
  roles: Type.Array(Role),
  stats: Stats,
  settings: Settings,
  reminders: Reminders,
  consent: Type.Union([
    Type.Composite([Consent, Type.Object({ recordedAt: Type.String({ format: 'date-time' }) })]),
    Type.Null(),
  ]),
  joinedAt: Type.String({ format: 'date-time' }),
});
export type ProfileView = Static<typeof ProfileView>;

/** The user's profile view, undefined until their registration is projected. */
export async function loadProfile(db: ReadDb, userId: string): Promise<ProfileView | undefined> {
  const row = await db.selectFrom('profile_view').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.user_id,
    email: row.email,
    displayName: row.display_name,
    photoUrl: row.photo_url,
    timezone: row.timezone,
    language: row.language as ProfileView['language'],
    theme: row.theme as ProfileView['theme'],
    roles: row.roles as ProfileView['roles'],
    stats: {
      currentStreak: row.current_streak,
      longestStreak: row.longest_streak,
      lastEntryDate: row.last_entry_date,
      totalEntries: row.total_entries,
      totalWords: row.total_words,
      avgWordsPerEntry: row.total_entries === 0 ? 0 : Math.round(row.total_words / row.total_entries),
    },
    settings: row.settings as ProfileView['settings'],
    reminders: row.reminders as ProfileView['reminders'],
    consent: row.consent as ProfileView['consent'],
    joinedAt: row.joined_at.toISOString(),
  };
}

/**
 * The stats as of today: the projection computed the current streak on the day of the user's
 * last event, and a streak ends when a day passes with no entry, with or without an event.
 */
export function statsToday(profile: ProfileView, now: Date): ProfileView['stats'] {
  const { stats } = profile;
  if (stats.lastEntryDate === null) return stats;
  const alive = computeStreaks([stats.lastEntryDate], localDate(now, profile.timezone)).currentStreak > 0;
  return alive ? stats : { ...stats, currentStreak: 0 };
}
