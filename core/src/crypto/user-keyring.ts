import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ErasedUsersTables } from './erasure-fence.js';
import { generateDataKey, unwrapKey, wrapKey } from './keys.js';
import { checkMasterKey, masterKeyId, type MasterKeysTables } from './master-key.js';

/**
 * user_keys (migrations/src/write/0002, 0008): one wrapped data key per user, with the id of the
 * master key that wrapped it; erased_users, the users whose key is gone for good; master_keys.
 */
export interface UserKeysTables extends ErasedUsersTables, MasterKeysTables {
  user_keys: {
    user_id: string;
    wrapped_key: Buffer;
    /** masterKeyId() of the key that wrapped it (null: wrapped before ids were kept). */
    master_key_id: string | null;
    created_at: ColumnType<Date, never, never>;
  };
}

/**
 * Per-user data keys, wrapped by the master key. `destroy` erases a user's key for good, which
 * makes every value sealed with it unreadable (crypto-shredding) while the events stay.
 */
export interface UserKeyring {
  /** The id of the master key this keyring wraps with (masterKeyId). */
  readonly masterKeyId: string;
  /** The user's data key, created on first use. Throws DataKeyDestroyed once the user is erased. */
  keyFor<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<Buffer>;
  /** The user's data key, or undefined once destroyed (or never created). */
  existingKeyFor<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<Buffer | undefined>;
  /**
   * Deletes the user's key and marks them erased, inside the caller's transaction. The deleted
   * row's bytes stay in the table's file until vacuumUserKeys runs, after the commit.
   */
  destroy<DB extends UserKeysTables>(db: Kysely<DB>, userId: string): Promise<void>;
}

/** The user was erased: nothing new can be sealed for them. */
export class DataKeyDestroyed extends Error {
  constructor(userId: string) {
    super(`the data key of user ${userId} was destroyed`);
    this.name = 'DataKeyDestroyed';
  }
}

/** A data key wrapped by another master key than the keyring's: it cannot be unwrapped here. */
export class ForeignMasterKey extends Error {
  constructor(userId: string, wrappedBy: string, held: string) {
    super(`the data key of user ${userId} is wrapped by master key ${wrappedBy}; this process holds ${held}`);
    this.name = 'ForeignMasterKey';
  }
}

/** Kysely is invariant in its tables; the keyring only ever touches its own. */
function narrow<DB extends UserKeysTables>(db: Kysely<DB>): Kysely<UserKeysTables> {
  return db as unknown as Kysely<UserKeysTables>;
}

/** What a data key is bound to when wrapped (the AES-GCM associated data). */
export const dataKeyContext = (userId: string) => `mindflow:user-key:${userId}`;

/**
 * The keyring of `masterKey`, unchecked: services open theirs with openUserKeyring, which first
 * checks the master key against the database's; tests and tools that already did may use this.
 */
export function createUserKeyring(masterKey: Buffer): UserKeyring {
  const held = masterKeyId(masterKey);
  const unwrapped = (row: { wrapped_key: Buffer; master_key_id: string | null } | undefined, userId: string) => {
    if (row === undefined) return undefined;
    if (row.master_key_id !== null && row.master_key_id !== held) {
      throw new ForeignMasterKey(userId, row.master_key_id, held);
    }
    return unwrapKey(masterKey, row.wrapped_key, dataKeyContext(userId));
  };
  const stored = (db: Kysely<UserKeysTables>, userId: string) =>
    db
      .selectFrom('user_keys')
      .select(['wrapped_key', 'master_key_id'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
  return {
    masterKeyId: held,
    existingKeyFor: async (database, userId) => unwrapped(await stored(narrow(database), userId), userId),
    keyFor: async (database, userId) => {
      const db = narrow(database);
      let row = await stored(db, userId);
      if (row === undefined) {
        // Insert-if-absent (concurrent first uses agree on one key), never for an erased user.
        await sql`
          insert into user_keys (user_id, wrapped_key, master_key_id)
          select ${userId}::uuid, ${wrapKey(masterKey, generateDataKey(), dataKeyContext(userId))}, ${held}
           where not exists (select 1 from erased_users where user_id = ${userId}::uuid)
          on conflict (user_id) do nothing
        `.execute(db);
        row = await stored(db, userId);
      }
      const key = unwrapped(row, userId);
      if (key === undefined) throw new DataKeyDestroyed(userId);
      return key;
    },
    destroy: async (database, userId) => {
      const db = narrow(database);
      await db
        .insertInto('erased_users')
        .values({ user_id: userId, erased_at: new Date() })
        .onConflict((conflict) => conflict.column('user_id').doNothing())
        .execute();
      await db.deleteFrom('user_keys').where('user_id', '=', userId).execute();
    },
  };
}

/**
 * The keyring of `masterKey`, once checkMasterKey has found it to be the write database's (or
 * recorded it, on first use). Throws MasterKeyMismatch otherwise: the one check every process
 * that seals or opens personal data goes through before it starts.
 */
export async function openUserKeyring<DB extends UserKeysTables>(
  db: Kysely<DB>,
  masterKey: Buffer,
): Promise<UserKeyring> {
  await checkMasterKey(db, masterKey);
  return createUserKeyring(masterKey);
}

/**
 * Rewrites user_keys (VACUUM FULL), so that the bytes of deleted or re-wrapped keys leave the
 * table's files: a plain VACUUM frees the space but leaves the old bytes in the page. Runs
 * outside any transaction, after the erasure (or rotation) committed. It needs the table's
 * exclusive lock for a moment: it gives up after `lockTimeoutMs` rather than hold commands back,
 * and throws; the caller logs it and tries again later (the erasure itself stands).
 */
export async function vacuumUserKeys<DB extends UserKeysTables>(
  database: Kysely<DB>,
  lockTimeoutMs = 5_000,
): Promise<void> {
  await narrow(database)
    .connection()
    .execute(async (connection) => {
      await sql`select set_config('lock_timeout', ${`${String(lockTimeoutMs)}ms`}, false)`.execute(connection);
      try {
        await sql`vacuum full user_keys`.execute(connection);
      } finally {
        await sql`reset lock_timeout`.execute(connection);
      }
    });
}
