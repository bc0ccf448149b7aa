/** The moods the API accepts, in the order the picker shows them. */
export const moods = ['ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry'] as const;
export type Mood = (typeof moods)[number];

/** What a command answers. */
export interface CommandResult {
  readonly id: string;
  readonly version: number;
  readonly position: number;
}

/** POST /v1/auth/login. */
export interface LoginResult {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly user: { readonly id: string; readonly email: string; readonly displayName: string };
}

/** GET /v1/me (the fields the app uses). */
export type Theme = 'light' | 'dark' | 'system';

/** What a writer chooses for their account (PUT /v1/me/settings replaces all of it). */
export interface Settings {
  readonly autoSave: boolean;
  readonly privateMode: boolean;
  readonly emailWeeklyInsights: boolean;
  readonly emailMonthlyInsights: boolean;
  readonly emailReminderToWrite: boolean;
}

export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly timezone: string;
  readonly language: string;
  readonly theme: Theme;
  readonly roles: readonly string[];
  readonly settings: Settings;
  readonly reminders: Reminders;
}

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** The reminder to write (PUT /v1/me/reminders replaces it): at `time` on `days`, the writer's own clock. */
export interface Reminders {
  readonly enabled: boolean;
  readonly time: string;
  readonly days: readonly Weekday[];
}

/** The entry view. */
export interface Entry {
  readonly id: string;
  readonly date: string;
  readonly title: string;
  readonly content: string;
  readonly mood: Mood | null;
  readonly tags: readonly string[];
  readonly isPrivate: boolean;
  readonly location: string | null;
  readonly weather: string | null;
  readonly wordCount: number;
  readonly version: number;
  readonly updatedAt: string;
}

/** A page of a list. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** The fields of an entry the writer edits. */
export interface EntryDraft {
  readonly title: string;
  readonly content: string;
  readonly mood: Mood | null;
  readonly tags: readonly string[];
  readonly isPrivate: boolean;
  readonly location: string | null;
  readonly weather: string | null;
  /** The prompt of the day it is written from (sent when the entry is created). */
  readonly promptId?: string;
}

/** One version in an entry's history (GET /v1/entries/{id}/history). */
export interface HistoryItem {
  readonly version: number;
  readonly kind: 'created' | 'updated' | 'deleted' | 'restored';
  readonly at: string;
  readonly actorId: string | null;
  /** The fields this version set. */
  readonly changes: Readonly<Record<string, unknown>>;
}

/** The entry as it was at a version (GET /v1/entries/{id}/history?version=N). */
export interface EntryVersion {
  readonly version: number;
  readonly at: string;
  readonly deleted: boolean;
  readonly entry: Entry;
}

/** GET /v1/calendar/{year}/{month}. */
export interface CalendarMonth {
  readonly year: number;
  readonly month: number;
  readonly days: readonly {
    readonly date: string;
    readonly hasEntry: boolean;
    readonly mood: Mood | null;
    readonly entryId: string | null;
  }[];
}

/** GET /v1/moods/trend. */
export interface MoodTrend {
  readonly days: number;
  readonly from: string;
  readonly to: string;
  readonly entries: number;
  readonly counts: Readonly<Partial<Record<Mood, number>>>;
  readonly positive: number;
  readonly neutral: number;
  readonly negative: number;
}

/** GET /v1/streaks. */
export interface Streaks {
  readonly currentStreak: number;
  readonly longestStreak: number;
  readonly lastEntryDate: string | null;
  readonly totalEntries: number;
  readonly totalWords: number;
}

/** GET /v1/search. */
export interface SearchResults {
  readonly items: readonly {
    readonly id: string;
    readonly date: string;
    readonly title: string;
    readonly mood: Mood | null;
    readonly tags: readonly string[];
    /** HTML-escaped text with the matches in <mark> (rendered by components/Highlighted). */
    readonly highlights: { readonly title?: string; readonly content?: string };
  }[];
  readonly facets: { readonly mood: Readonly<Record<string, number>>; readonly tags: Readonly<Record<string, number>> };
  readonly total: number;
  readonly nextCursor: string | null;
}

export type InsightKind = 'weekly' | 'monthly';

/** An insight (GET /v1/insights). */
export interface Insight {
  readonly id: string;
  readonly type: InsightKind;
  readonly from: string;
  readonly to: string;
  readonly status: 'queued' | 'completed';
  readonly summary: string | null;
  readonly stats: Readonly<Record<string, unknown>> | null;
  readonly requestedAt: string;
  readonly generatedAt: string | null;
}

/** An export job: its progress, then a link to the ZIP. */
export interface ExportJob {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'completed' | 'failed';
  readonly progress: { readonly done: number; readonly total: number };
  readonly downloadUrl?: string;
}

/** What an import did, or would do (a dry run). */
export interface ImportReport {
  readonly format: string;
  readonly dryRun: boolean;
  readonly created: readonly { readonly source: string; readonly date: string; readonly title: string }[];
  readonly skipped: readonly { readonly source: string; readonly date: string; readonly reason: string }[];
  readonly rejected: readonly { readonly source: string; readonly reason: string }[];
}

/** The receipt of an account's erasure. */
export interface ErasureReceipt {
  readonly userId: string;
  readonly erasedAt: string;
  readonly dataKey: 'destroyed';
  readonly blobs: number;
  readonly writeDatabase: Readonly<Record<string, number>>;
}

/** An audit record, as compliance staff read it. */
export interface AuditRecord {
  readonly eventId: string;
  readonly userId: string | null;
  readonly actorRole: string | null;
  readonly action: string;
  readonly timestamp: string;
}

export interface AuditPage {
  readonly items: readonly AuditRecord[];
  readonly nextCursor: string | null;
}

/** Whether the audit hash chains of some days hold, and the first record that does not. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly chains: number;
  readonly firstBrokenAt?: { readonly chain: string; readonly seq: number; readonly detail: string };
}

/** One day of the cohort's moods (analysts). */
export interface MoodDay {
  readonly day: string;
  readonly users: number;
  readonly entries: number;
  readonly avgMoodScore: number | null;
}

/** One week of the cohort's activity (analysts). */
export interface ActivityWeek {
  readonly week: string;
  readonly users: number;
  readonly entriesCreated: number;
}

/** One notification (GET /v1/notifications). */
export interface AppNotification {
  readonly id: string;
  readonly kind: 'insight-ready' | 'export-ready' | 'reminder' | 'achievement';
  readonly severity: 'info' | 'notable' | 'attention' | null;
  readonly title: string;
  readonly subjectId: string | null;
  readonly createdAt: string;
  readonly readAt: string | null;
}

/** GET /v1/notifications: a page, newest first, and how many are unread in all. */
export interface NotificationList {
  readonly items: readonly AppNotification[];
  readonly unread: number;
  readonly nextCursor: string | null;
}

export const goalKinds = ['entries-per-week', 'words-per-day', 'streak'] as const;
export type GoalKind = (typeof goalKinds)[number];

/** One goal with where it stands (GET /v1/goals). */
export interface Goal {
  readonly id: string;
  readonly kind: GoalKind;
  readonly target: number;
  readonly period: 'week' | 'day' | null;
  readonly version: number;
  readonly progress: number;
  readonly achieved: boolean;
  readonly history: readonly { readonly from: string; readonly to: string; readonly achieved: boolean }[];
}

/** GET /v1/achievements. */
export interface Achievements {
  readonly items: readonly {
    readonly code: string;
    readonly title: string;
    readonly description: string;
    readonly unlockedAt: string;
  }[];
  readonly next: readonly {
    readonly code: string;
    readonly title: string;
    readonly progress: number;
    readonly target: number;
  }[];
}

/** GET /v1/prompts/today. */
export interface PromptOfDay {
  readonly id: string;
  readonly text: string;
  readonly theme: string | null;
  readonly source: 'library' | 'mine';
  readonly date: string;
}

/** One of the writer's own prompts (GET /v1/prompts). */
export interface OwnPrompt {
  readonly id: string;
  readonly text: string;
  readonly theme: string | null;
  readonly createdAt: string;
}

/** One template (GET /v1/templates). */
export interface Template {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly content: string;
  readonly tags: readonly string[];
  readonly mood: Mood | null;
  readonly builtIn: boolean;
  readonly version: number | null;
}
