import { AppError } from '../errors/index.js';
import { isCommonPassword } from './common-passwords.js';
import { ruleViolation, type DomainEvent } from './rules.js';
import { textLength } from './text.js';
import { weekdays, type Weekday } from '../events/reminder-days.js';

export const languages = ['en', 'pt'] as const;
export const themes = ['light', 'dark', 'system'] as const;
export const roles = ['user', 'analyst', 'compliance', 'admin'] as const;
export type Language = (typeof languages)[number];
export type Theme = (typeof themes)[number];
export type Role = (typeof roles)[number];

/** Roles as the users table stores them (its CHECK admits only known ones), in their canonical order. */
export function toRoles(stored: readonly string[]): Role[] {
  return roles.filter((role) => stored.includes(role));
}

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const minPasswordLength = 12;

/** The canonical form of an email: trimmed, lowercased (uniqueness is case-insensitive). */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !emailPattern.test(normalized))
    throw ruleViolation('email', 'must be a valid email address');
  return normalized;
}

/**
 * A password must be at least 12 characters, not the email, and not a common (breached)
 * password; `field` names it in the error.
 */
export function checkPassword(password: string, email: string, field = 'password'): void {
  if (textLength(password) < minPasswordLength) {
    throw ruleViolation(field, `must be at least ${minPasswordLength} characters`);
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw ruleViolation(field, 'must not be the email address');
  }
  if (isCommonPassword(password)) {
    throw ruleViolation(field, 'is on a list of breached passwords: choose another');
  }
}

export function checkDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || textLength(trimmed) > 100) throw ruleViolation('displayName', 'must be 1–100 characters');
  return trimmed;
}

/** An IANA time zone the runtime knows, e.g. Europe/Lisbon. */
export function checkTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw ruleViolation('timezone', 'must be an IANA time zone such as Europe/Lisbon');
  }
  return timezone;
}

export function checkLanguage(language: string): Language {
  if (!(languages as readonly string[]).includes(language)) throw ruleViolation('language', 'must be en or pt');
  return language as Language;
}

export function checkTheme(theme: string): Theme {
  if (!(themes as readonly string[]).includes(theme)) throw ruleViolation('theme', 'must be light, dark or system');
  return theme as Theme;
}

// ── The user aggregate ──────────────────────────────────────────────────────────────────

export interface Profile {
  readonly displayName: string;
  readonly photoUrl: string | null;
  readonly timezone: string;
  readonly language: Language;
  readonly theme: Theme;
}

export interface ConsentTerms {
  readonly termsVersion: string;
  readonly privacyPolicyVersion: string;
  readonly dataProcessing: boolean;
  readonly marketing: boolean;
}

export interface UserSettings {
  readonly autoSave: boolean;
  readonly privateMode: boolean;
  readonly emailWeeklyInsights: boolean;
  readonly emailMonthlyInsights: boolean;
  readonly emailReminderToWrite: boolean;
}

/** When a writer is reminded to write (see the Reminders schema). */
export interface ReminderSchedule {
  readonly enabled: boolean;
  /** HH:MM in the writer's time zone. */
  readonly time: string;
  readonly days: readonly Weekday[];
}

/** A new account's reminder: off, 20:30 every day once turned on. */
export const defaultReminders: ReminderSchedule = Object.freeze({
  enabled: false,
  time: '20:30',
  days: weekdays,
});

/** A new account's settings, until the user changes them. */
export const defaultSettings: UserSettings = Object.freeze({
  autoSave: true,
  privateMode: false,
  emailWeeklyInsights: false,
  emailMonthlyInsights: false,
  emailReminderToWrite: false,
});

export type UserState =
  | { readonly status: 'absent' }
  | { readonly status: 'active'; readonly email: string; readonly profile: Profile; readonly roles: readonly Role[] };

export const absentUser: UserState = Object.freeze({ status: 'absent' });

export type UserCommand =
  | {
      readonly type: 'RegisterUser';
      readonly email: string;
      readonly password: string;
      readonly displayName: string;
      readonly timezone?: string | undefined;
      readonly language?: string | undefined;
      readonly consent: ConsentTerms;
      readonly roles: readonly Role[];
    }
  | { readonly type: 'UpdateProfile'; readonly changes: Partial<Record<keyof Profile, string | null>> }
  | { readonly type: 'UpdateSettings'; readonly settings: UserSettings }
  | { readonly type: 'SetReminders'; readonly reminders: ReminderSchedule }
  | { readonly type: 'RecordConsent'; readonly consent: ConsentTerms }
  | { readonly type: 'GrantRole'; readonly role: Role }
  | { readonly type: 'RevokeRole'; readonly role: Role }
  | { readonly type: 'EraseUser'; readonly reason: string | null };

/**
 * Decides the events a command causes on a user, or throws the rule it breaks. Pure.
 * RegisterUser on an account that exists (its email was taken) records the attempt, so that the
 * owner can be told; the caller answers it like a registration (no account enumeration).
 */
export function decideUser(command: UserCommand, state: UserState): DomainEvent[] {
  if (command.type === 'RegisterUser') {
    const email = normalizeEmail(command.email);
    checkPassword(command.password, email);
    if (!command.consent.dataProcessing) {
      throw ruleViolation('consent.dataProcessing', 'must be true: MindFlow cannot keep a journal without it');
    }
    if (state.status !== 'absent') return [{ type: 'RegistrationAttempted', data: { email: state.email } }];
    return [
      {
        type: 'UserRegistered',
        data: {
          email,
          displayName: checkDisplayName(command.displayName),
          timezone: checkTimezone(command.timezone ?? 'UTC'),
          language: checkLanguage(command.language ?? 'en'),
          theme: 'system',
        },
      },
      { type: 'ConsentRecorded', data: { ...command.consent } },
      ...command.roles
        .filter((role) => role !== 'user')
        .map((role) => ({ type: 'RoleGranted' as const, data: { role } })),
    ];
  }
  if (state.status === 'absent') throw new AppError('NOT_FOUND', 'no such user');
  switch (command.type) {
    case 'UpdateProfile': {
      const { displayName, photoUrl, timezone, language, theme } = command.changes;
      const next: Partial<Profile> = {
        ...(displayName == null ? {} : { displayName: checkDisplayName(displayName) }),
        ...(photoUrl === undefined ? {} : { photoUrl }),
        ...(timezone == null ? {} : { timezone: checkTimezone(timezone) }),
        ...(language == null ? {} : { language: checkLanguage(language) }),
        ...(theme == null ? {} : { theme: checkTheme(theme) }),
      };
      const changes = Object.fromEntries(
        Object.entries(next).filter(([field, value]) => state.profile[field as keyof Profile] !== value),
      );
      return Object.keys(changes).length === 0 ? [] : [{ type: 'UserProfileUpdated', data: { changes } }];
    }
    case 'UpdateSettings':
      return [{ type: 'SettingsUpdated', data: { ...command.settings } }];
    case 'SetReminders': {
      const { enabled, time, days } = command.reminders;
      if (enabled && days.length === 0) throw ruleViolation('days', 'name at least one day to be reminded on');
      return [{ type: 'RemindersSet', data: { enabled, time, days: weekdays.filter((day) => days.includes(day)) } }];
    }
    case 'RecordConsent':
      return [{ type: 'ConsentRecorded', data: { ...command.consent } }];
    case 'GrantRole':
      return state.roles.includes(command.role) ? [] : [{ type: 'RoleGranted', data: { role: command.role } }];
    case 'RevokeRole':
      if (command.role === 'user') throw new AppError('CONFLICT', 'every account keeps the user role');
      return state.roles.includes(command.role) ? [{ type: 'RoleRevoked', data: { role: command.role } }] : [];
    case 'EraseUser': {
      const reason = command.reason?.trim() ?? '';
      if (textLength(reason) > 1000) throw ruleViolation('reason', 'must be at most 1000 characters');
      // The request, then the erasure itself: every projection removes or anonymizes the user's data.
      return [
        { type: 'AccountDeletionRequested', data: { reason: reason === '' ? null : reason } },
        { type: 'UserErased', data: {} },
      ];
    }
    default:
      return unreachable(command);
  }
}

/** The user after one more of its events. Pure; events that change nothing here leave it as it is. */
export function evolveUser(state: UserState, event: DomainEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { email, ...profile } = event.data;
      return { status: 'active', email, profile: { ...profile, photoUrl: null }, roles: ['user'] };
    }
    case 'UserProfileUpdated':
      return state.status === 'absent' ? state : { ...state, profile: { ...state.profile, ...event.data.changes } };
    case 'RoleGranted':
      return state.status === 'absent' ? state : { ...state, roles: [...state.roles, event.data.role] };
    case 'RoleRevoked':
      return state.status === 'absent'
        ? state
        : { ...state, roles: state.roles.filter((role) => role !== event.data.role) };
    default:
      return state;
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
