import { ruleViolation } from './rules.js';

export const languages = ['en', 'pt'] as const;
export const themes = ['light', 'dark', 'system'] as const;
export const roles = ['user', 'analyst', 'compliance', 'admin'] as const;
export type Language = (typeof languages)[number];
export type Theme = (typeof themes)[number];
export type Role = (typeof roles)[number];

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const minPasswordLength = 12;

/** The canonical form of an email: trimmed, lowercased (uniqueness is case-insensitive). */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !emailPattern.test(normalized))
    throw ruleViolation('email', 'must be a valid email address');
  return normalized;
}

/** A password must be at least 12 characters and not the email. */
export function checkPassword(password: string, email: string): void {
  if ([...new Intl.Segmenter().segment(password)].length < minPasswordLength) {
    throw ruleViolation('password', `must be at least ${minPasswordLength} characters`);
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw ruleViolation('password', 'must not be the email address');
  }
}

export function checkDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw ruleViolation('displayName', 'must be 1–100 characters');
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
