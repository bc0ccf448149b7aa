import { sql, type Kysely } from 'kysely';
import { DataKeyDestroyed } from './user-keyring.js';

/** erased_users (migrations/src/write/0008): the users whose UserErased is in the log. */
export interface ErasedUsersTables {
  erased_users: {
    user_id: string;
    erased_at: Date;
  };
}

/** The SQLSTATE the events trigger raises for an event of an erased user. */
const fenceViolation = 'MF410';

/** The user was erased: nothing of theirs may be sealed or appended any more. Not retriable. */
export class UserErasedError extends Error {
  readonly userId: string;
  readonly retriable = false;

  constructor(userId: string, options?: { cause?: unknown }) {
    super(`user ${userId} was erased: nothing of theirs may be appended after UserErased`, options);
    this.name = 'UserErasedError';
    this.userId = userId;
  }
}

/** Whether `error` is the events trigger refusing an event of an erased user. */
export function isErasureFenceViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === fenceViolation;
}

/**
 * Whether `error` says the user was erased, in any of the ways it can be said: the fence
 * (UserErasedError), the keyring (DataKeyDestroyed) or the events trigger (SQLSTATE MF410).
 */
export function isUserErased(error: unknown): boolean {
  return error instanceof UserErasedError || error instanceof DataKeyDestroyed || isErasureFenceViolation(error);
}

/**
 * Enters the user's erasure fence for the rest of the caller's transaction: takes the shared
 * advisory lock the events trigger takes, and throws UserErasedError if the user is erased.
 * An appender calls it before it locks or writes anything else, so that it never holds a row the
 * erasure needs while it waits on the fence (the trigger alone would be correct, not deadlock-free).
 * Read committed: the check after the lock sees an erasure that committed while it waited.
 */
export async function enterUserFence<DB extends ErasedUsersTables>(trx: Kysely<DB>, userId: string): Promise<void> {
  // One round trip: enter_user_fence (migrations/src/write/0016) checks after the lock is granted.
  const result = await sql<{ erased: boolean }>`select enter_user_fence(${userId}::uuid) as erased`.execute(trx);
  if (result.rows[0]?.erased === true) throw new UserErasedError(userId);
}

/**
 * Takes the user's erasure fence exclusively for the rest of the caller's transaction: waits for
 * every transaction that has appended (or entered the fence) for the user to end, and holds back
 * every later one until this one ends. The erasure calls it before any other write, so that its
 * UserErased follows every event of the user in commit order.
 */
export async function closeUserFence<DB extends ErasedUsersTables>(trx: Kysely<DB>, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(user_fence_lock(${userId}::uuid))`.execute(trx);
}
