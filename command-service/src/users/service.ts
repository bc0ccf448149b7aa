import {
  checkLanguage,
  checkTheme,
  decideUser,
  evolveUser,
  toRoles,
  type ReminderSchedule,
  type Role,
  type UserCommand,
  type UserState,
  userStream,
} from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { weekdays } from '@mindflow/core/events';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Recorder, RequestContext } from '../recorder.js';
import { checkExpectedVersion } from '../http/expected-version.js';

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
  checkExpectedVersion('profile', expectedVersion, user.version);
  return user;
}

/** The user aggregate's state, from its row. */
export function stateOf(user: {
  email: string;
  display_name: string;
  photo_url: string | null;
  timezone: string;
  language: string;
  theme: string;
  roles: string[];
}): UserState {
  return {
    status: 'active',
    email: user.email,
    profile: {
      displayName: user.display_name,
      photoUrl: user.photo_url,
      timezone: user.timezone,
      language: checkLanguage(user.language),
      theme: checkTheme(user.theme),
    },
    roles: toRoles(user.roles),
  };
}

/** Decides, records and applies a user command; the row follows the events. */
async function execute(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  user: Awaited<ReturnType<typeof lockUser>>,
  command: UserCommand,
  context: RequestContext,
): Promise<UserResult> {
  const state = stateOf(user);
  const events = decideUser(command, state);
  if (events.length === 0) return { id: user.id, version: user.version, position: 0 };
  const next = events.reduce(evolveUser, state);
  if (next.status === 'absent') throw new Error('unreachable: a user event left no user');
  await trx
    .updateTable('users')
    .set({
      display_name: next.profile.displayName,
      photo_url: next.profile.photoUrl,
      timezone: next.profile.timezone,
      language: next.profile.language,
      theme: next.profile.theme,
      roles: [...next.roles],
      version: user.version + 1,
    })
    .where('id', '=', user.id)
    .execute();
  const appended = await recorder.record(trx, {
    streamId: userStream(user.id),
    expectedVersion: 'any',
    userId: user.id,
    context,
    events,
  });
  return { id: user.id, version: user.version + 1, position: appended.position };
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
  return execute(recorder, trx, user, { type: 'UpdateProfile', changes: input }, context);
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
  return execute(recorder, trx, user, { type: 'UpdateSettings', settings }, context);
}

/**
 * An email's unsubscribe link: turns one email setting off, the others as they are. Nothing is
 * recorded when it is off already (a link followed twice).
 */
export async function turnEmailOff(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  setting: 'emailReminderToWrite' | 'emailWeeklyInsights' | 'emailMonthlyInsights',
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, undefined);
  const row = await trx.selectFrom('user_settings').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
  const settings: Settings = {
    autoSave: row.auto_save,
    privateMode: row.private_mode,
    emailWeeklyInsights: row.email_weekly_insights,
    emailMonthlyInsights: row.email_monthly_insights,
    emailReminderToWrite: row.email_reminder_to_write,
  };
  if (!settings[setting]) return { id: user.id, version: user.version, position: 0 };
  return updateSettings(recorder, trx, userId, { ...settings, [setting]: false }, context);
}

/** PUT /v1/me/reminders: the reminder to write, kept with the settings, replaced whole. */
export async function setReminders(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  reminders: ReminderSchedule,
  context: RequestContext,
): Promise<UserResult> {
  const user = await lockUser(trx, userId, undefined);
  const result = await execute(recorder, trx, user, { type: 'SetReminders', reminders }, context);
  await trx
    .updateTable('user_settings')
    .set({
      reminder_enabled: reminders.enabled,
      reminder_time: reminders.time,
      reminder_days: weekdays.filter((day) => reminders.days.includes(day)),
    })
    .where('user_id', '=', userId)
    .execute();
  return result;
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
  return execute(recorder, trx, user, { type: 'RecordConsent', consent }, context);
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
  return execute(recorder, trx, user, { type: grant ? 'GrantRole' : 'RevokeRole', role }, context);
}
