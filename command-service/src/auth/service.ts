import { randomUUID } from 'node:crypto';
import {
  absentUser,
  decideUser,
  defaultSettings,
  normalizeEmail,
  type Role,
  userStream,
  toRoles,
} from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { inUserTransaction, type Recorder, type RequestContext } from '../recorder.js';
import { runIdempotent, type CommandResponse, type IdempotencyScope } from '../http/idempotency.js';
import type { AccessTokens, SessionStore } from '@mindflow/core/auth';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './passwords.js';
import { familyOf, issueRefreshToken, revokeFamily, rotateRefreshToken } from './refresh-tokens.js';
import { stateOf } from '../users/service.js';

export interface AuthDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly hasher: PasswordHasher;
  readonly tokens: AccessTokens;
  /** Told of every login that ends, so that its access tokens stop working at once. */
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly refreshTokenTtlDays: number;
}

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly displayName: string;
  readonly timezone?: string | undefined;
  readonly language?: string | undefined;
  readonly consent: {
    readonly termsVersion: string;
    readonly privacyPolicyVersion: string;
    readonly dataProcessing: boolean;
    readonly marketing: boolean;
  };
}

export interface CommandResult {
  readonly id: string;
  readonly version: number;
  readonly position: number;
}

/** Registration refused because an account has the email (a 409 where the caller may know it). */
export class EmailTaken extends AppError {
  constructor(cause: unknown) {
    super('CONFLICT', 'an account with this email already exists', { cause });
  }
}

/** The registration answer when no account is told of the attempt: an id nobody has, version 2, the log's head. */
async function registrationLookalike(db: Kysely<WriteTables>): Promise<CommandResponse<CommandResult>> {
  const head = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('global_position').as('head'))
    .executeTakeFirst();
  return { status: 201, body: { id: randomUUID(), version: 2, position: Number(head?.head ?? 0) }, replayed: false };
}

/**
 * What POST /v1/auth/register does when the email is taken (`register` threw EmailTaken, after
 * hashing the password all the same): the registration, decided on the existing account, records
 * RegistrationAttempted on its stream (the mail projection tells the owner by email), and the
 * answer has the status and shape of a registration: an id nobody has, version 2, the event's
 * position. It runs under the request's Idempotency-Key like a registration, so a retry gets the
 * same answer, marked replayed. So neither the answer nor its time tells a stranger that the
 * account exists. An account erased meanwhile gets the same answer, and nothing is recorded.
 */
export async function registrationAttempted(
  deps: AuthDeps,
  input: Registration,
  context: RequestContext,
  scope?: IdempotencyScope,
): Promise<CommandResponse<CommandResult>> {
  const owner = await deps.db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'photo_url', 'timezone', 'language', 'theme', 'roles'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(input.email)))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (owner === undefined) return registrationLookalike(deps.db);
  const attempt = async (trx: Kysely<WriteTables>) => {
    const events = decideUser({ type: 'RegisterUser', ...input, roles: ['user'] }, stateOf(owner));
    const recorded = await deps.recorder.record(trx, {
      streamId: userStream(owner.id),
      expectedVersion: 'any',
      userId: owner.id,
      context,
      events,
    });
    return { id: randomUUID(), version: 2, position: recorded.position };
  };
  return runIdempotent(deps.db, scope, 201, attempt, owner.id).catch((error: unknown) => {
    // The owner's erasure won the race: refused as their own command would be, answered as usual.
    if (error instanceof AppError && error.code === 'UNAUTHENTICATED') return registrationLookalike(deps.db);
    throw error;
  });
}

export async function register(
  deps: AuthDeps,
  input: Registration,
  context: RequestContext,
  roles: readonly Role[] = ['user'],
  scope?: IdempotencyScope,
): Promise<CommandResponse<CommandResult>> {
  const events = decideUser({ type: 'RegisterUser', ...input, roles }, absentUser);
  const registered = events[0];
  if (registered?.type !== 'UserRegistered') throw new Error('unreachable: registration decided no UserRegistered');
  const { email, displayName, timezone, language } = registered.data;
  const passwordHash = await deps.hasher.hash(input.password);
  const id = randomUUID();
  return runIdempotent(deps.db, scope, 201, async (trx) => {
    await trx
      .insertInto('users')
      .values({
        id,
        email,
        password_hash: passwordHash,
        display_name: displayName,
        timezone,
        language,
        theme: 'system',
        roles: [...roles],
      })
      .execute()
      .catch((error: unknown) => {
        throw isUniqueViolation(error, 'users_email_unique') ? new EmailTaken(error) : error;
      });
    await trx
      .insertInto('user_settings')
      .values({
        user_id: id,
        auto_save: defaultSettings.autoSave,
        private_mode: defaultSettings.privateMode,
        email_weekly_insights: defaultSettings.emailWeeklyInsights,
        email_monthly_insights: defaultSettings.emailMonthlyInsights,
        email_reminder_to_write: defaultSettings.emailReminderToWrite,
      })
      .execute();
    await trx
      .insertInto('user_gdpr_consent')
      .values({
        user_id: id,
        terms_version: input.consent.termsVersion,
        privacy_policy_version: input.consent.privacyPolicyVersion,
        data_processing: input.consent.dataProcessing,
        marketing: input.consent.marketing,
        ip_address: context.ip,
        user_agent: context.userAgent ?? null,
      })
      .execute();
    await trx
      .insertInto('user_streaks')
      .values({
        user_id: id,
        current_streak: 0,
        longest_streak: 0,
        last_entry_date: null,
        total_entries: 0,
        total_words: 0,
      })
      .execute();
    const result = await deps.recorder.record(trx, {
      streamId: userStream(id),
      expectedVersion: 0,
      userId: id,
      context: { ...context, actorId: context.actorId ?? id },
      events,
    });
    return { id, version: result.streamVersion, position: result.position };
  });
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export async function login(
  deps: AuthDeps,
  input: { email: string; password: string },
  context: RequestContext,
): Promise<Session & { user: { id: string; email: string; displayName: string; roles: readonly Role[] } }> {
  const email = input.email.trim().toLowerCase();
  await deps.throttle.check(email, context.ip);
  const user = await deps.db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'password_hash', 'roles'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  const valid =
    user === undefined
      ? await deps.hasher.verifyNothing(input.password)
      : await deps.hasher.verify(user.password_hash, input.password);
  if (user === undefined || !valid) {
    await deps.throttle.failed(email, context.ip);
    if (user !== undefined) {
      // An unknown email has no owner whose key could seal the attempt's address; only known accounts record it.
      await inUserTransaction(deps.db, user.id, (trx) =>
        deps.recorder.record(trx, {
          streamId: userStream(user.id),
          expectedVersion: 'any',
          userId: user.id,
          context,
          events: [{ type: 'LoginFailed', data: { email, reason: 'wrong_password' } }],
        }),
      );
    }
    throw new AppError('UNAUTHENTICATED', 'the email or the password is wrong');
  }
  await deps.throttle.succeeded(email, context.ip);
  const roles = toRoles(user.roles);
  const family = {
    id: randomUUID(),
    expiresAt: new Date(context.now.getTime() + deps.refreshTokenTtlDays * 86_400_000),
  };
  const refresh = await inUserTransaction(deps.db, user.id, async (trx) => {
    const issued = await issueRefreshToken(trx, user.id, family);
    await deps.recorder.record(trx, {
      streamId: userStream(user.id),
      expectedVersion: 'any',
      userId: user.id,
      context: { ...context, actorId: user.id },
      events: [{ type: 'UserLoggedIn', data: { sessionId: family.id } }],
    });
    return issued;
  });
  return {
    accessToken: await deps.tokens.issue({ userId: user.id, sessionId: family.id }),
    refreshToken: refresh.token,
    expiresIn: deps.tokens.ttlSeconds,
    user: { id: user.id, email: user.email, displayName: user.display_name, roles },
  };
}

export async function refresh(deps: AuthDeps, refreshToken: string, context: RequestContext): Promise<Session> {
  // Whose token it is, unlocked, so that the rotation enters their fence before it locks the token:
  // a refresh racing the erasure then either ends before it or is refused, never leaves a token behind.
  const family = await familyOf(deps.db, refreshToken);
  if (family === undefined) throw new AppError('UNAUTHENTICATED', 'unknown refresh token');
  const rotation = await inUserTransaction(deps.db, family.user_id, (trx) =>
    rotateRefreshToken(trx, refreshToken, context.now),
  );
  if (rotation.outcome === 'refused') {
    // A spent token came back: the family was revoked with the refusal; its access tokens stop now.
    if (rotation.familyRevoked) await deps.sessions.forget([family.family_id]);
    throw new AppError('UNAUTHENTICATED', rotation.reason);
  }
  const user = await deps.db
    .selectFrom('users')
    .select('id')
    .where('id', '=', rotation.userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (user === undefined) throw new AppError('UNAUTHENTICATED', 'this account no longer exists');
  return {
    accessToken: await deps.tokens.issue({ userId: rotation.userId, sessionId: rotation.familyId }),
    refreshToken: rotation.token,
    expiresIn: deps.tokens.ttlSeconds,
  };
}

/** Ends the login the token belongs to. Unknown tokens are fine: the client is logged out either way. */
export async function logout(deps: AuthDeps, refreshToken: string, context: RequestContext): Promise<void> {
  const family = await familyOf(deps.db, refreshToken);
  if (family === undefined) return;
  // The fence first, then the token rows: never the other way round (see inUserTransaction).
  await inUserTransaction(deps.db, family.user_id, async (trx) => {
    await revokeFamily(trx, family.family_id, context.now);
    await deps.recorder.record(trx, {
      streamId: userStream(family.user_id),
      expectedVersion: 'any',
      userId: family.user_id,
      context: { ...context, actorId: family.user_id },
      events: [{ type: 'UserLoggedOut', data: { sessionId: family.family_id } }],
    });
  });
  await deps.sessions.forget([family.family_id]);
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23505' &&
    (error as { constraint?: unknown }).constraint === constraint
  );
}
