import { Type } from '@sinclair/typebox';
import { defineEvent } from './definition.js';
import {
  Consent,
  InsightKind,
  IsoDate,
  Language,
  Mood,
  NotificationKind,
  NotificationSeverity,
  Role,
  Settings,
  Reminders,
  Theme,
  Uuid,
  promptIdPattern,
} from './schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const strict = { additionalProperties: false } as const;

const entryFields = {
  date: IsoDate,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  content: Type.String({ maxLength: 10_000 }),
  mood: Nullable(Mood),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 }),
  location: Nullable(Type.String({ maxLength: 200 })),
  weather: Nullable(Type.String({ maxLength: 100 })),
  isPrivate: Type.Boolean(),
  wordCount: Type.Integer({ minimum: 0 }),
  readingTime: Type.Integer({ minimum: 0 }),
};
// Tags are words the writer chose: as personal as the text (an erased entry has no tags).
const entryPersonal = ['title', 'content', 'tags', 'location', 'weather'];

const templateFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  title: entryFields.title,
  content: entryFields.content,
  tags: entryFields.tags,
  mood: entryFields.mood,
};
const templatePersonal = ['name', 'title', 'content', 'tags'];

/**
 * Every event MindFlow records. Personal fields are sealed with the user's data key; the
 * request's ip and userAgent in metadata are sealed too (see codec.ts).
 */
export const mindflowEvents = {
  UserRegistered: defineEvent(
    Type.Object(
      { email: Type.String(), displayName: Type.String(), timezone: Type.String(), language: Language, theme: Theme },
      strict,
    ),
    { personal: ['email', 'displayName'] },
  ),
  UserProfileUpdated: defineEvent(
    Type.Object(
      {
        changes: Type.Partial(
          Type.Object(
            {
              displayName: Type.String(),
              photoUrl: Nullable(Type.String()),
              timezone: Type.String(),
              language: Language,
              theme: Theme,
            },
            strict,
          ),
        ),
      },
      strict,
    ),
    { personal: ['changes.displayName', 'changes.photoUrl'] },
  ),
  UserLoggedIn: defineEvent(Type.Object({ sessionId: Uuid }, strict)),
  UserLoggedOut: defineEvent(Type.Object({ sessionId: Uuid }, strict)),
  /** The password was changed; every other login of the user was ended. */
  PasswordChanged: defineEvent(Type.Object({ sessionsEnded: Type.Integer({ minimum: 0 }) }, strict)),
  LoginFailed: defineEvent(
    Type.Object(
      {
        email: Type.Optional(Type.String()),
        reason: Type.Union([Type.Literal('unknown_email'), Type.Literal('wrong_password')]),
      },
      strict,
    ),
    { personal: ['email'] },
  ),
  /**
   * Someone asked to register with this account's email (the answer did not tell them it exists).
   * The owner is told by email; `email` is the address they are told at.
   */
  RegistrationAttempted: defineEvent(Type.Object({ email: Type.String() }, strict), { personal: ['email'] }),
  ConsentRecorded: defineEvent(Consent),
  SettingsUpdated: defineEvent(Settings),
  /** The writer's reminder to write (PUT /v1/me/reminders), replaced whole. */
  RemindersSet: defineEvent(Reminders),
  RoleGranted: defineEvent(Type.Object({ role: Role }, strict)),
  RoleRevoked: defineEvent(Type.Object({ role: Role }, strict)),
  EntryCreated: defineEvent(
    Type.Object(
      {
        entryId: Uuid,
        ...entryFields,
        /** The prompt it was written from (GET /v1/prompts/today), if any. */
        promptId: Type.Optional(Type.String({ pattern: promptIdPattern })),
      },
      strict,
    ),
    {
      personal: entryPersonal,
      erasedAs: { tags: [] },
    },
  ),
  EntryUpdated: defineEvent(
    Type.Object({ entryId: Uuid, changes: Type.Partial(Type.Object(entryFields, strict)) }, strict),
    { personal: entryPersonal.map((field) => `changes.${field}`), erasedAs: { 'changes.tags': [] } },
  ),
  EntryDeleted: defineEvent(Type.Object({ entryId: Uuid }, strict)),
  EntryRestored: defineEvent(Type.Object({ entryId: Uuid }, strict)),
  AttachmentAdded: defineEvent(
    Type.Object(
      {
        entryId: Uuid,
        attachmentId: Uuid,
        fileName: Type.String({ maxLength: 255 }),
        contentType: Type.String(),
        size: Type.Integer({ minimum: 0 }),
        storageKey: Type.String(),
      },
      strict,
    ),
    { personal: ['fileName'] },
  ),
  AttachmentRemoved: defineEvent(Type.Object({ entryId: Uuid, attachmentId: Uuid }, strict)),
  DataExportRequested: defineEvent(Type.Object({ exportId: Uuid }, strict)),
  AccountDeletionRequested: defineEvent(Type.Object({ reason: Nullable(Type.String({ maxLength: 1000 })) }, strict), {
    personal: ['reason'],
  }),
  UserErased: defineEvent(Type.Object({}, strict)),
  // Derived by the ai-worker and the attachment pipeline.
  EntryAnalyzed: defineEvent(
    Type.Object(
      {
        entryId: Uuid,
        entryVersion: Type.Integer({ minimum: 1 }),
        sentiment: Type.Object({ score: Type.Number({ minimum: -1, maximum: 1 }), label: Type.String() }, strict),
        themes: Type.Array(Type.Object({ phrase: Type.String(), count: Type.Integer({ minimum: 1 }) }, strict)),
        language: Type.String(),
      },
      strict,
    ),
    { personal: ['themes'] },
  ),
  /** An analysis taken back: the entry became private, or its author turned private mode on. */
  EntryAnalysisWithdrawn: defineEvent(
    Type.Object(
      {
        entryId: Uuid,
        reason: Type.Union([Type.Literal('private_entry'), Type.Literal('private_mode')]),
      },
      strict,
    ),
  ),
  /** A user asked for an insight over a period (POST /v1/insights); InsightGenerated answers it. */
  InsightRequested: defineEvent(
    Type.Object({ insightId: Uuid, kind: InsightKind, from: IsoDate, to: IsoDate }, strict),
  ),
  InsightGenerated: defineEvent(
    Type.Object(
      {
        insightId: Uuid,
        kind: InsightKind,
        from: IsoDate,
        to: IsoDate,
        summary: Type.String(),
        stats: Type.Record(Type.String(), Type.Unknown()),
      },
      strict,
    ),
    { personal: ['summary', 'stats'] },
  ),
  /**
   * Something the user is told of in the app (GET /v1/notifications): an insight or an export
   * ready, a reminder, an achievement. Raised by the notifier from the event it is about (its
   * id derived from that event's, so it is raised once); the title is personal.
   */
  NotificationRaised: defineEvent(
    Type.Object(
      {
        notificationId: Uuid,
        kind: NotificationKind,
        severity: Nullable(NotificationSeverity),
        title: Type.String({ minLength: 1, maxLength: 200 }),
        subjectId: Nullable(Uuid),
      },
      strict,
    ),
    { personal: ['title'] },
  ),
  /** A writer set a goal (POST /v1/goals): no text, only what it counts. */
  GoalSet: defineEvent(
    Type.Object(
      {
        goalId: Uuid,
        kind: Type.Union([Type.Literal('entries-per-week'), Type.Literal('words-per-day'), Type.Literal('streak')]),
        target: Type.Integer({ minimum: 1 }),
        period: Nullable(Type.Union([Type.Literal('week'), Type.Literal('day')])),
      },
      strict,
    ),
  ),
  GoalChanged: defineEvent(Type.Object({ goalId: Uuid, target: Type.Integer({ minimum: 1 }) }, strict)),
  GoalRemoved: defineEvent(Type.Object({ goalId: Uuid }, strict)),
  /** A writer's entry template (POST /v1/templates); its text is personal. */
  TemplateCreated: defineEvent(Type.Object({ templateId: Uuid, ...templateFields }, strict), {
    personal: templatePersonal,
    erasedAs: { tags: [] },
  }),
  TemplateChanged: defineEvent(
    Type.Object({ templateId: Uuid, changes: Type.Partial(Type.Object(templateFields, strict)) }, strict),
    { personal: templatePersonal.map((field) => `changes.${field}`), erasedAs: { 'changes.tags': [] } },
  ),
  TemplateRemoved: defineEvent(Type.Object({ templateId: Uuid }, strict)),
  /** A writer's own writing prompt (POST /v1/prompts); its text is personal. */
  PromptAdded: defineEvent(
    Type.Object(
      {
        promptId: Uuid,
        text: Type.String({ minLength: 1, maxLength: 500 }),
        theme: Nullable(Type.String({ maxLength: 40 })),
      },
      strict,
    ),
    { personal: ['text'] },
  ),
  PromptRemoved: defineEvent(Type.Object({ promptId: Uuid }, strict)),
  /**
   * A writer reached an achievement (GET /v1/achievements), at the command that earned it,
   * once: `code` is one of the domain's achievements.
   */
  AchievementUnlocked: defineEvent(Type.Object({ code: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) }, strict)),
  /** The user has read a notification (POST /v1/notifications/{id}/read). */
  NotificationRead: defineEvent(Type.Object({ notificationId: Uuid }, strict)),
  ThumbnailGenerated: defineEvent(
    Type.Object(
      {
        entryId: Uuid,
        attachmentId: Uuid,
        storageKey: Type.String(),
        width: Type.Integer({ minimum: 1 }),
        height: Type.Integer({ minimum: 1 }),
      },
      strict,
    ),
  ),
};

export type MindflowEvents = typeof mindflowEvents;
export type MindflowEventType = keyof MindflowEvents;
