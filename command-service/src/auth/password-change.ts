import { checkPassword, ruleViolation, userStream } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { inUserTransaction, type RequestContext } from '../recorder.js';
import type { AuthDeps } from './service.js';
import { confirmPassword } from './login-throttle.js';

export interface PasswordChange {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** What a password change answers: the event's position, and how many other logins it ended. */
export interface PasswordChanged {
  readonly position: number;
  readonly sessionsEnded: number;
}

/**
 * POST /v1/me/password: the current password (throttled like a login), a new one held to the
 * registration rules; every other login of the user ends, the caller's own goes on.
 */
export async function changePassword(
  deps: AuthDeps,
  caller: { readonly userId: string; readonly sessionId: string },
  input: PasswordChange,
  context: RequestContext,
): Promise<PasswordChanged> {
  const account = await deps.db
    .selectFrom('users')
    .select(['email', 'password_hash'])
    .where('id', '=', caller.userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (account === undefined) throw new AppError('UNAUTHENTICATED', 'this account has been deleted');
  checkPassword(input.newPassword, account.email, 'newPassword');
  if (input.newPassword === input.currentPassword) {
    throw ruleViolation('newPassword', 'must differ from the current password');
  }
  await confirmPassword(
    deps,
    { email: account.email, passwordHash: account.password_hash },
    input.currentPassword,
    context.ip,
    'the current password does not match: the password is unchanged',
  );
  const passwordHash = await deps.hasher.hash(input.newPassword);
  const { position, ended } = await inUserTransaction(deps.db, caller.userId, async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', caller.userId).execute();
    const revoked = await trx
      .updateTable('refresh_tokens')
      .set({ revoked_at: context.now })
      .where('user_id', '=', caller.userId)
      .where('family_id', '<>', caller.sessionId)
      .where('revoked_at', 'is', null)
      .returning('family_id')
      .execute();
    const sessions = [...new Set(revoked.map((row) => row.family_id))];
    const recorded = await deps.recorder.record(trx, {
      streamId: userStream(caller.userId),
      expectedVersion: 'any',
      userId: caller.userId,
      context,
      events: [{ type: 'PasswordChanged', data: { sessionsEnded: sessions.length } }],
    });
    return { position: recorded.position, ended: sessions };
  });
  await deps.sessions.forget(ended);
  return { position, sessionsEnded: ended.length };
}
