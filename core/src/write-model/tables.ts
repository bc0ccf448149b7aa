import type { ColumnType, Generated, Kysely } from 'kysely';
import type { UserKeysTables } from '../crypto/index.js';
import type { EventStoreTables } from '../eventstore/index.js';

// The write tables (migrations/src/write/0003-write-tables.ts) as Kysely sees them.

type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, never>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  display_name: string;
  photo_url: string | null;
  timezone: string;
  language: string;
  theme: string;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  email_verified: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Date | null;
}

export interface UserSettingsTable {
  user_id: string;
  auto_save: boolean;
  private_mode: boolean;
  email_weekly_insights: boolean;
  email_monthly_insights: boolean;
  email_reminder_to_write: boolean;
  reminder_enabled: Generated<boolean>;
  /** HH:MM:SS as Postgres gives a time. */
  reminder_time: Generated<string>;
  reminder_days: Generated<string[]>;
  updated_at: UpdatedAt;
}

/** A writer's goals (see migrations/src/write/0012). */
export interface GoalsTable {
  id: string;
  user_id: string;
  kind: string;
  target: number;
  version: Generated<number>;
  created_at: Generated<Date>;
  removed_at: Date | null;
}

/** A writer's entry templates (see migrations/src/write/0013). */
export interface TemplatesTable {
  id: string;
  user_id: string;
  name: string;
  title: string;
  content: string;
  tags: string[];
  mood: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  removed_at: Date | null;
}

/** A writer's own writing prompts (see migrations/src/write/0014). */
export interface PromptsTable {
  id: string;
  user_id: string;
  text: string;
  theme: string | null;
  created_at: Generated<Date>;
  removed_at: Date | null;
}

/** The achievements a writer has unlocked, each once (see migrations/src/write/0011). */
export interface UserAchievementsTable {
  user_id: string;
  code: string;
  unlocked_at: Generated<Date>;
}

/** One reminder raised per writer and local day (see migrations/src/write/0010). */
export interface ReminderSendsTable {
  user_id: string;
  local_date: string;
  notification_id: string;
  raised_at: Generated<Date>;
}

export interface UserConsentTable {
  id: ColumnType<string, never, never>;
  user_id: string;
  terms_version: string;
  privacy_policy_version: string;
  data_processing: boolean;
  marketing: boolean;
  ip_address: string | null;
  user_agent: string | null;
  recorded_at: CreatedAt;
}

export interface JournalEntriesTable {
  id: string;
  user_id: string;
  entry_date: ColumnType<string, string, string>;
  title: string;
  content: string;
  mood: string | null;
  location: string | null;
  weather: string | null;
  word_count: number;
  reading_time: number;
  is_private: boolean;
  version: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Date | null;
}

export interface AttachmentsTable {
  id: string;
  entry_id: string;
  user_id: string;
  file_name: string;
  content_type: string;
  size_bytes: ColumnType<string, number, number>;
  storage_key: string;
  thumbnail_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface AttachmentUploadsTable {
  id: string;
  user_id: string;
  entry_id: string;
  file_name: string;
  content_type: string;
  expires_at: Date;
  created_at: CreatedAt;
  /** The exact size the link takes (null on links granted before sizes were kept). */
  size_bytes: ColumnType<string | null, number | undefined, never>;
  /** Set when the upload was recorded; the row stays until its link expires. */
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface DataExportsTable {
  id: string;
  user_id: string;
  status: ColumnType<string, string | undefined, string>;
  done: ColumnType<number, number | undefined, number>;
  total: ColumnType<number, number | undefined, number>;
  object_key: ColumnType<string | null, string | null | undefined, string | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  requested_at: CreatedAt;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface TagsTable {
  id: Generated<string>;
  name: string;
}

export interface JournalEntryTagsTable {
  entry_id: string;
  tag_id: string;
}

export interface UserStreaksTable {
  user_id: string;
  current_streak: number;
  longest_streak: number;
  last_entry_date: ColumnType<string | null, string | null, string | null>;
  total_entries: number;
  total_words: number;
  /** Count again from all the entries at the next entry command, instead of stepping this row. */
  recount: Generated<boolean>;
  updated_at: UpdatedAt;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  created_at: CreatedAt;
}

export type WriteTables = EventStoreTables &
  UserKeysTables & {
    users: UsersTable;
    user_settings: UserSettingsTable;
    reminder_sends: ReminderSendsTable;
    user_achievements: UserAchievementsTable;
    goals: GoalsTable;
    templates: TemplatesTable;
    prompts: PromptsTable;
    user_gdpr_consent: UserConsentTable;
    journal_entries: JournalEntriesTable;
    attachments: AttachmentsTable;
    attachment_uploads: AttachmentUploadsTable;
    data_exports: DataExportsTable;
    tags: TagsTable;
    journal_entry_tags: JournalEntryTagsTable;
    user_streaks: UserStreaksTable;
    refresh_tokens: RefreshTokensTable;
    idempotency_keys: IdempotencyKeysTable;
  };

export type WriteDb = Kysely<WriteTables>;

/**
 * The write database, typed. Its schema is what migrations/src/write made it; this is the one
 * place that says so to the type system.
 */
export function writeDatabase(db: Kysely<unknown>): Kysely<WriteTables> {
  return db as Kysely<WriteTables>;
}
