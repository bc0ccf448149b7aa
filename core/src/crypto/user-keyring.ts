import type { ColumnType, Kysely } from 'kysely';
import { generateDataKey, unwrapKey, wrapKey } from './keys.js';

/** user_keys (migrations/src/write/0002-user-keys.ts): one wrapped data key per user. */
export interface UserKeysTables {
  user_keys: {
    user_id: string;
    wrapped_key: Buffer | null;
    created_at: ColumnType<Date, never, never>;
    destroyed_at: ColumnType<Date | null, never, Date>;
  };
}

/**
 * Per-user data keys, wrapped by the master key. `destroy` erases a user's key for good, which
 * makes every value sealed with it unreadable (crypto-shredding) while the events stay.
 */
export interface UserKeyring {
  /** The user's data key, created on first use. */
  keyFor<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<Buffer>;
  /** The user's data key, or undefined once destroyed (or never created). */
  existingKeyFor<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<Buffer | undefined>;
  destroy<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<void>;
}

/** The user was erased: nothing new can be sealed for them. */
export class DataKeyDestroyed extends Error {
  constructor(userId: string) {
    super(`the data key of user ${userId} was destroyed`);
    this.name = 'DataKeyDestroyed';
  }
}

/** Kysely is invariant in its tables; the keyring only ever touches `user_keys`. */
function narrow<DB extends UserKeysTables>(db: Kysely<DB>): Kysely<UserKeysTables> {
  return db as unknown as Kysely<UserKeysTables>;
}

export function createUserKeyring(masterKey: Buffer): UserKeyring {
  const context = (userId: string) => `mindflow:user-key:${userId}`;
  const unwrapped = (wrapped: Buffer | null, userId: string) =>
    wrapped === null ? undefined : unwrapKey(masterKey, wrapped, context(userId));
  const stored = (db: Kysely<UserKeysTables>, userId: string) =>
    db.selectFrom('user_keys').select('wrapped_key').where('user_id', '=', userId).executeTakeFirst();
  return {
    existingKeyFor: async (database, userId) =>
      unwrapped((await stored(narrow(database), userId))?.wrapped_key ?? null, userId),
    keyFor: async (database, userId) => {
      const db = narrow(database);
      let row = await stored(db, userId);
      if (row === undefined) {
        // Insert-if-absent: concurrent first uses agree on one key.
        await db
          .insertInto('user_keys')
          .values({ user_id: userId, wrapped_key: wrapKey(masterKey, generateDataKey(), context(userId)) })
          .onConflict((conflict) => conflict.column('user_id').doNothing())
          .execute();
        row = await stored(db, userId);
      }
      const key = unwrapped(row?.wrapped_key ?? null, userId);
      if (key === undefined) throw new DataKeyDestroyed(userId);
      return key;
    },
    destroy: async (database, userId) => {
      await narrow(database)
        .updateTable('user_keys')
        .set({ wrapped_key: null, destroyed_at: new Date() })
        .where('user_id', '=', userId)
        .execute();
    },
  };
}
