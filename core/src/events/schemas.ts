import { Type } from '@sinclair/typebox';
import { weekdays } from './reminder-days.js';

/** Value schemas shared by events and the routes that accept them. */
export const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});
/** A writing prompt's id: the library's `lib-NNN`, or a writer's own (a UUID). */
export const promptIdPattern =
  '^(lib-[0-9]{3}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';
export const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
export const Mood = Type.Union([
  Type.Literal('ecstatic'),
  Type.Literal('happy'),
  Type.Literal('neutral'),
  Type.Literal('sad'),
  Type.Literal('anxious'),
  Type.Literal('angry'),
]);
export const InsightKind = Type.Union([
  Type.Literal('weekly'),
  Type.Literal('monthly'),
  Type.Literal('yearly'),
  Type.Literal('custom'),
]);
export const notificationKinds = ['insight-ready', 'export-ready', 'reminder', 'achievement'] as const;
export const NotificationKind = Type.Union([
  Type.Literal('insight-ready'),
  Type.Literal('export-ready'),
  Type.Literal('reminder'),
  Type.Literal('achievement'),
]);
export const notificationSeverities = ['info', 'notable', 'attention'] as const;
export const NotificationSeverity = Type.Union([
  Type.Literal('info'),
  Type.Literal('notable'),
  Type.Literal('attention'),
]);
export const Role = Type.Union([
  Type.Literal('user'),
  Type.Literal('analyst'),
  Type.Literal('compliance'),
  Type.Literal('admin'),
]);
export const Language = Type.Union([Type.Literal('en'), Type.Literal('pt')]);
export const Theme = Type.Union([Type.Literal('light'), Type.Literal('dark'), Type.Literal('system')]);

/** The terms a user consented to: an event's data and a request's body alike. */
export const Consent = Type.Object(
  {
    termsVersion: Type.String({ minLength: 1, maxLength: 32 }),
    privacyPolicyVersion: Type.String({ minLength: 1, maxLength: 32 }),
    dataProcessing: Type.Boolean(),
    marketing: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const Weekday = Type.Union([
  Type.Literal(weekdays[0]),
  Type.Literal(weekdays[1]),
  Type.Literal(weekdays[2]),
  Type.Literal(weekdays[3]),
  Type.Literal(weekdays[4]),
  Type.Literal(weekdays[5]),
  Type.Literal(weekdays[6]),
]);

/**
 * When a writer is reminded to write: at `time` (HH:MM, their own time zone) on `days`, unless
 * they have written that day. An email goes too when emailReminderToWrite is on.
 */
export const Reminders = Type.Object(
  {
    enabled: Type.Boolean(),
    time: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local time, HH:MM' }),
    days: Type.Array(Weekday, { uniqueItems: true, maxItems: 7 }),
  },
  { additionalProperties: false },
);

/** A user's settings (privateMode keeps everything from the AI). */
export const Settings = Type.Object(
  {
    autoSave: Type.Boolean(),
    privateMode: Type.Boolean(),
    emailWeeklyInsights: Type.Boolean(),
    emailMonthlyInsights: Type.Boolean(),
    emailReminderToWrite: Type.Boolean(),
  },
  { additionalProperties: false },
);
