import type { ColumnType } from 'kysely';

type Json<T> = ColumnType<T, string, string>;
type DateText = ColumnType<string, string, string>;

/**
 * The read model's views (migrations/src/read/0004, 0005, 0009): written by the projector's
 * read-model projection, read by the query-service.
 */
export interface ReadViews {
  profile_view: {
    user_id: string;
    email: string | null;
    display_name: string | null;
    photo_url: string | null;
    timezone: string;
    language: string;
    theme: string;
    roles: ColumnType<string[], string[] | undefined, string[]>;
    settings: Json<Record<string, boolean>>;
    reminders: ColumnType<{ enabled: boolean; time: string; days: string[] }, string | undefined, string>;
    consent: Json<Record<string, unknown> | null>;
    joined_at: Date;
    current_streak: ColumnType<number, number | undefined, number>;
    longest_streak: ColumnType<number, number | undefined, number>;
    last_entry_date: ColumnType<string | null, string | null | undefined, string | null>;
    total_entries: ColumnType<number, number | undefined, number>;
    total_words: ColumnType<number, number | undefined, number>;
    updated_at: Date;
    /** The global position of the newest of the user's events applied (bigint, as text). */
    position: ColumnType<string, never, string>;
    /** The commit-order key (transaction, position) of that event: what read-your-writes compares. */
    read_key: ColumnType<string, never, string>;
    /** The version of the user's stream the view reflects: an older event changes nothing. */
    stream_version: ColumnType<number, number | undefined, number>;
  };
  journal_view: {
    entry_id: string;
    user_id: string;
    entry_date: DateText;
    title: string | null;
    content: string | null;
    mood: string | null;
    tags: ColumnType<string[], string[], string[]>;
    location: string | null;
    weather: string | null;
    is_private: boolean;
    word_count: number;
    reading_time: number;
    attachments: ColumnType<unknown[], string | undefined, string>;
    author_name: string | null;
    author_photo: string | null;
    version: number;
    created_at: Date;
    updated_at: Date;
    deleted_at: Date | null;
    /** The prompt it was written from. */
    prompt_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  entry_history: {
    entry_id: string;
    version: number;
    user_id: string;
    at: Date;
    actor_id: string | null;
    kind: string;
    changes: Json<Record<string, unknown>>;
  };
  mood_calendar: { user_id: string; entry_date: DateText; mood: string | null; entry_id: string };
  tag_counts: { user_id: string; tag: string; count: number };
  /** Each entry's current analysis by the ai-worker (migrations/src/read/0009). */
  entry_analysis_view: {
    entry_id: string;
    user_id: string;
    entry_version: number;
    score: number;
    label: string;
    themes: Json<{ phrase: string; count: number }[]>;
    language: string;
    analyzed_at: Date;
  };
  /** Insights asked for (queued) and written (completed). */
  insight_view: {
    insight_id: string;
    user_id: string;
    kind: string;
    period_from: DateText;
    period_to: DateText;
    status: 'queued' | 'completed';
    summary: string | null;
    stats: Json<Record<string, unknown> | null>;
    requested_at: Date;
    generated_at: Date | null;
  };
  /** In-app notifications, newest first; read_at once read. */
  notification_view: {
    notification_id: string;
    user_id: string;
    kind: string;
    severity: string | null;
    title: string;
    subject_id: string | null;
    created_at: Date;
    read_at: Date | null;
  };
  goal_view: {
    goal_id: string;
    user_id: string;
    kind: string;
    target: number;
    period: string | null;
    version: number;
    created_at: Date;
    removed: ColumnType<boolean, boolean | undefined, boolean>;
  };
  template_view: {
    template_id: string;
    user_id: string;
    name: string;
    title: string;
    content: string;
    tags: ColumnType<string[], string[], string[]>;
    mood: string | null;
    version: number;
    created_at: Date;
    removed: ColumnType<boolean, boolean | undefined, boolean>;
  };
  prompt_view: {
    prompt_id: string;
    user_id: string;
    text: string;
    theme: string | null;
    created_at: Date;
    removed: ColumnType<boolean, boolean | undefined, boolean>;
  };
  achievement_view: {
    user_id: string;
    code: string;
    unlocked_at: Date;
  };
}
