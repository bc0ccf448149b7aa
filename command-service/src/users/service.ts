import {
  checkDisplayName,
  checkLanguage,
  checkTheme,
  checkTimezone,
  roles as allRoles,
  type Role,
} from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { Kysely } from 'kysely';
import { userStream } from '../auth/service.js';
import type { WriteTables } from '../database.js';
import type { Recorder, RequestContext } from '../recorder.js';

export interface UserResult {
  readonly id: string;
  readonly version: number;
  readonly position: number;
}

export interface ProfileChanges {
  readonly displayName?: string | undefined;
  readonly photoUrl?: string | null | undefined;
  readonly timezone?: string | undefined;
  readonly language?: string | undefined;
  readonly theme?: string | undefined;
}

export interface Settings {
  readonly autoSave: boolean;
  readonly privateMode: boolean;
  readonly emailWeeklyInsights: boolean;
  readonly emailMonthlyInsights: boolean;
  readonly emailReminderToWrite: boolean;
}

export interface Consent {
  readonly termsVersion: string;
  readonly privacyPolicyVersion: string;
  readonly dataProcessing: boolean;
  readonly marketing: boolean;
}

/** The user row, locked; NOT_FOUND for an account that is gone. Checks If-Match when given. */
async function lockUser(trx: Kysely<WriteTables>, userId: string, expectedVersion: number | undefined) {
  const user = await trx
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (user === undefined) throw new AppError('NOT_FOUND', 'no such user');
  if (expectedVersion !== undefined && expectedVersion !== user.version) {
    throw new AppError('PRECONDITION_FAILED', `the profile is at version ${user.version}, not ${expectedVersion}`, {
      details: [{ currentVersion: user.version }],
    });
  }
  return user;
}

async function bump(trx: Kysely<WriteTables>, userId: string, version: number): Promise<number> {
  await trx
    .updateTable('users')
    .set({ version: version + 1 })
    .where('id', '=', userId)
    .execute();
  return version + 1;
}

export async function updateProfile(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  expectedVersion: number | undefined,
  input: ProfileChanges,
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, expectedVersion);
  const next = {
    ...(input.displayName === undefined ? {} : { displayName: checkDisplayName(input.displayName) }),
    ...(input.photoUrl === undefined ? {} : { photoUrl: input.photoUrl }),
    ...(input.timezone === undefined ? {} : { timezone: checkTimezone(input.timezone) }),
    ...(input.language === undefined ? {} : { language: checkLanguage(input.language) }),
    ...(input.theme === undefined ? {} : { theme: checkTheme(input.theme) }),
  };
  const current = {
    displayName: user.display_name,
    photoUrl: user.photo_url,
    timezone: user.timezone,
    language: user.language,
    theme: user.theme,
  };
  const changes = Object.fromEntries(
    Object.entries(next).filter(([field, value]) => current[field as keyof typeof current] !== value),
  );
  if (Object.keys(changes).length === 0) return { id: userId, version: user.version, position: 0 };
  await trx
    .updateTable('users')
    .set({
      display_name: next.displayName ?? user.display_name,
      photo_url: next.photoUrl === undefined ? user.photo_url : next.photoUrl,
      timezone: next.timezone ?? user.timezone,
      language: next.language ?? user.language,
      theme: next.theme ?? user.theme,
    })
    .where('id', '=', userId)
    .execute();
  const appended = await recorder.record(trx, {
    streamId: userStream(userId),
    expectedVersion: 'any',
    userId,
    context,
    events: [{ type: 'UserProfileUpdated', data: { changes } }],
  });
  return { id: userId, version: await bump(trx, userId, user.version), position: appended.position };
}

export async function updateSettings(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  settings: Settings,
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, undefined);
  await trx
    .updateTable('user_settings')
    .set({
      auto_save: settings.autoSave,
      private_mode: settings.privateMode,
      email_weekly_insights: settings.emailWeeklyInsights,
      email_monthly_insights: settings.emailMonthlyInsights,
      email_reminder_to_write: settings.emailReminderToWrite,
    })
    .where('user_id', '=', userId)
    .execute();
  const appended = await recorder.record(trx, {
    streamId: userStream(userId),
    expectedVersion: 'any',
    userId,
    context,
    events: [{ type: 'SettingsUpdated', data: { ...settings } }],
  });
  return { id: userId, version: await bump(trx, userId, user.version), position: appended.position };
}

export async function recordConsent(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  consent: Consent,
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, undefined);
  await trx
    .insertInto('user_gdpr_consent')
    .values({
      user_id: userId,
      terms_version: consent.termsVersion,
      privacy_policy_version: consent.privacyPolicyVersion,
      data_processing: consent.dataProcessing,
      marketing: consent.marketing,
      ip_address: context.ip,
      user_agent: context.userAgent ?? null,
    })
    .execute();
  const appended = await recorder.record(trx, {
    streamId: userStream(userId),
    expectedVersion: 'any',
    userId,
    context,
    events: [{ type: 'ConsentRecorded', data: { ...consent } }],
  });
  return { id: userId, version: await bump(trx, userId, user.version), position: appended.position };
}

/** Grants or revokes a role; granting one held, or revoking one not held, changes nothing. */
export async function changeRole(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  role: Role,
  grant: boolean,
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, undefined);
  const held = toRoles(user.roles);
  if (held.includes(role) === grant) return { id: userId, version: user.version, position: 0 };
  if (!grant && role === 'user') throw new AppError('CONFLICT', 'every account keeps the user role');
  await trx
    .updateTable('users')
    .set({ roles: grant ? [...held, role] : held.filter((r) => r !== role) })
    .where('id', '=', userId)
    .execute();
  const appended = await recorder.record(trx, {
    streamId: userStream(userId),
    expectedVersion: 'any',
    userId,
    context,
    events: [{ type: grant ? 'RoleGranted' : 'RoleRevoked', data: { role } }],
  });
  return { id: userId, version: await bump(trx, userId, user.version), position: appended.position };
}

/** Roles as stored (the table's CHECK admits only known ones). */
export function toRoles(stored: readonly string[]): Role[] {
  return allRoles.filter((role) => stored.includes(role));
}
