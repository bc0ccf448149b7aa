import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type ColumnType, type Kysely } from 'kysely';
import { ConfigError } from '../config/index.js';

/** master_keys (migrations/src/write/0008): which master key the database's data keys are wrapped with. */
export interface MasterKeysTables {
  master_keys: {
    key_id: string;
    key_check: Buffer;
    /** active: the key every process must hold; next: a rotation towards it is under way; retired. */
    state: 'active' | 'next' | 'retired';
    created_at: ColumnType<Date, never, never>;
    retired_at: ColumnType<Date | null, never, Date>;
  };
}

const mac = (masterKey: Buffer, label: string) => createHmac('sha256', masterKey).update(label).digest();

/** A short public name of a master key (16 hex digits of an HMAC): safe to log and to store. */
export function masterKeyId(masterKey: Buffer): string {
  return mac(masterKey, 'mindflow:master-key-id').subarray(0, 8).toString('hex');
}

/** HMAC-SHA256 of a fixed label under the master key: proves a key is the one stored, never reveals it. */
export function masterKeyCheck(masterKey: Buffer): Buffer {
  return mac(masterKey, 'mindflow:master-key-check');
}

/** The process holds another master key than the write database's: starting would write keys no one else can unwrap. */
export class MasterKeyMismatch extends ConfigError {
  readonly expected: string;
  readonly held: string;

  constructor(held: string, expected: string, detail: string) {
    super(
      'MINDFLOW_MASTER_KEY',
      `the write database expects master key ${expected}, but this process holds master key ${held}${detail}: ` +
        'start it with the master key the other processes use (MINDFLOW_MASTER_KEY, or MINDFLOW_DATA_DIR/secrets.json under npm start)',
    );
    this.name = 'MasterKeyMismatch';
    this.expected = expected;
    this.held = held;
  }
}

function narrow<DB extends MasterKeysTables>(db: Kysely<DB>): Kysely<MasterKeysTables> {
  return db as unknown as Kysely<MasterKeysTables>;
}

/**
 * Checks `masterKey` against the write database's key check, recording it when the database has
 * none yet (its first use), and returns its id. Throws MasterKeyMismatch, naming the key id the
 * database expects, when the process holds another key (or a retired one, or the target of an
 * unfinished rotation). Every process that wraps or unwraps data keys calls it before it starts.
 */
export async function checkMasterKey<DB extends MasterKeysTables>(
  database: Kysely<DB>,
  masterKey: Buffer,
): Promise<string> {
  const db = narrow(database);
  const held = masterKeyId(masterKey);
  // The first process records its key; a concurrent first start loses on the one-active index.
  await db
    .insertInto('master_keys')
    .values({ key_id: held, key_check: masterKeyCheck(masterKey), state: 'active' })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  const keys = await db.selectFrom('master_keys').selectAll().execute();
  const active = keys.find((key) => key.state === 'active');
  if (active === undefined) throw new Error('master_keys has no active key');
  const mine = keys.find((key) => key.key_id === held);
  if (active.key_id === held && timingSafeEqual(active.key_check, masterKeyCheck(masterKey))) {
    // Keys wrapped before key ids were recorded were wrapped with the key in use: this one.
    await sql`update user_keys set master_key_id = ${held} where master_key_id is null`.execute(db);
    return held;
  }
  const detail =
    mine?.state === 'retired'
      ? ` (retired by a key rotation on ${mine.retired_at?.toISOString() ?? '?'})`
      : mine?.state === 'next'
        ? ' (the target of a key rotation not yet finished: run `mindflow keys rotate` again to finish it)'
        : active.key_id === held
          ? ' (same id, different check)'
          : '';
  throw new MasterKeyMismatch(held, active.key_id, detail);
}
