import type { ColumnType, Generated } from 'kysely';

type Numeric = ColumnType<string, number, number>;

/** The analytics database's tables and analyst views (migrations/src/analytics). */
export interface AnalyticsTables {
  analytics_storage: { only_row: boolean; strategy: AnalyticsStrategy; chosen_at: Date };
  analytics_settings: { only_row: Generated<boolean>; min_group_size: number };
  analytics_users: {
    user_id: string;
    language: string;
    timezone: string;
    /** The version of the user's stream the labels reflect: an older event changes nothing. */
    stream_version: number;
  };
  entry_moods: {
    entry_id: string;
    user_id: string;
    version: number;
    day: ColumnType<string, string, string>;
    mood: string;
    mood_score: number | null;
    analyzed_score: number | null;
    analyzed_version: number | null;
    tags: string[];
    word_count: number;
    language: string;
    timezone: string;
    deleted: boolean;
  };
  mood_events: MoodEventRow;
  user_activity_events: ActivityEventRow;
  journal_insights: InsightRow;
  mood_daily_summary: {
    day: string;
    language: string;
    timezone: string;
    mood: string;
    entries: number;
    scored: number;
    score_sum: number;
    words: ColumnType<string, number, number>;
  };
  user_weekly_activity: { week: Date; user_id: string; language: string; timezone: string } & Record<
    ActivityCount,
    number
  >;
  'analyst.mood_daily': MoodDailyView;
  'analyst.mood_daily_by_language': MoodDailyView & { language: string };
  'analyst.mood_daily_by_timezone': MoodDailyView & { timezone: string };
  'analyst.activity_weekly': ActivityWeeklyView;
  'analyst.activity_weekly_by_language': ActivityWeeklyView & { language: string };
  'analyst.activity_weekly_by_timezone': ActivityWeeklyView & { timezone: string };
  'analyst.insights_weekly': InsightsWeeklyView;
  'analyst.insights_weekly_by_language': InsightsWeeklyView & { language: string };
  'analyst.insights_weekly_by_timezone': InsightsWeeklyView & { timezone: string };
}

export type AnalyticsStrategy = 'timescaledb' | 'partitions';

export type ActivityKind =
  | 'login'
  | 'logout'
  | 'entry_created'
  | 'entry_updated'
  | 'entry_deleted'
  | 'insight_viewed'
  | 'settings_updated'
  | 'profile_updated';

/** user_weekly_activity's count column for each kind of activity. */
export const activityCounts = {
  login: 'logins',
  logout: 'logouts',
  entry_created: 'entries_created',
  entry_updated: 'entries_updated',
  entry_deleted: 'entries_deleted',
  insight_viewed: 'insights_viewed',
  settings_updated: 'settings_updated',
  profile_updated: 'profile_updated',
} as const satisfies Record<ActivityKind, string>;
export type ActivityCount = (typeof activityCounts)[ActivityKind];

export interface MoodEventRow {
  event_id: string;
  day: string;
  time: Date;
  user_id: string;
  entry_id: string;
  sign: 1 | -1;
  mood: string;
  mood_score: number | null;
  tags: string[];
  word_count: number;
  language: string;
  timezone: string;
}

export interface ActivityEventRow {
  event_id: string;
  time: Date;
  user_id: string;
  kind: ActivityKind;
  metadata: ColumnType<unknown, string, string>;
  language: string;
  timezone: string;
}

export interface InsightRow {
  event_id: string;
  time: Date;
  user_id: string;
  insight_id: string;
  kind: string;
  period_from: string;
  period_to: string;
  entries: number | null;
  words: number | null;
  dominant_mood: string | null;
  positive: number | null;
  neutral: number | null;
  negative: number | null;
  language: string;
  timezone: string;
}

interface MoodDailyView {
  day: string;
  users: number;
  entries: number;
  avg_mood_score: Numeric | null;
  ecstatic: number;
  happy: number;
  neutral: number;
  sad: number;
  anxious: number;
  angry: number;
  no_mood: number;
}

type ActivityWeeklyView = { week: Date; users: number } & Record<ActivityCount, number>;

interface InsightsWeeklyView {
  week: string;
  kind: string;
  users: number;
  insights: number;
  avg_entries: Numeric | null;
  avg_words: Numeric | null;
  avg_positive: Numeric | null;
  avg_neutral: Numeric | null;
  avg_negative: Numeric | null;
}
