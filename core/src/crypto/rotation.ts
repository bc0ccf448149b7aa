import { sql, type Kysely } from 'kysely';
import { unwrapKey, wrapKey } from './keys.js';
import { checkMasterKey, masterKeyCheck, masterKeyId } from './master-key.js';
import { dataKeyContext, vacuumUserKeys, type UserKeysTables } from './user-keyring.js';

export interface RotationOptions {
  /** The master key in use (the database's active key). */
  readonly from: Buffer;
  /** The master key to re-wrap every data key under. */
  readonly to: Buffer;
  /** Keys re-wrapped per transaction. */
  readonly batchSize?: number;
  /** After each batch: keys re-wrapped so far (this run and earlier ones), and in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RotationResult {
  readonly from: string;
  readonly to: string;
  /** Keys re-wrapped by this run (an interrupted run's batches stay done). */
  readonly rewrapped: number;
  /** False when the rotation had already finished: nothing was left to do. */
  readonly rotated: boolean;
}

/** A rotation can't start or go on: another is under way, or `from` is not the key in use. */
export class RotationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationRefused';
  }
}

function narrow<DB extends UserKeysTables>(db: Kysely<DB>): Kysely<UserKeysTables> {
  return db as unknown as Kysely<UserKeysTables>;
}

/**
 * Re-wraps every data key under `to` and retires `from`, in batches, each its own transaction.
 * Each key records the master key that wrapped it, so an interrupted rotation resumes where it
 * stopped when run again with the same two keys (and a finished one is a no-op). `to` is
 * recorded first as the `next` key; once no key wrapped by `from` is left, `to` becomes the
 * active key (processes must then hold it) and `from` is retired. Then the key table is
 * vacuumed, so the old wrapped keys leave its files. Processes holding `from` should be stopped
 * first: they could no longer unwrap re-wrapped keys, and the key check refuses them afterwards.
 */
export async function rotateMasterKey<DB extends UserKeysTables>(
  database: Kysely<DB>,
  options: RotationOptions,
): Promise<RotationResult> {
  const db = narrow(database);
  const from = masterKeyId(options.from);
  const to = masterKeyId(options.to);
  if (from === to) throw new RotationRefused('the new master key is the one in use');
  const keys = await db.selectFrom('master_keys').select(['key_id', 'state']).execute();
  const state = (id: string) => keys.find((key) => key.key_id === id)?.state;
  if (state(to) === 'active' && state(from) === 'retired') return { from, to, rewrapped: 0, rotated: false };
  await checkMasterKey(db, options.from);
  const next = keys.find((key) => key.state === 'next');
  if (next !== undefined && next.key_id !== to) {
    throw new RotationRefused(`a rotation to master key ${next.key_id} is under way: finish it with that key`);
  }
  if (state(to) === 'retired') throw new RotationRefused(`master key ${to} was retired: choose a new one`);
  await db
    .insertInto('master_keys')
    .values({ key_id: to, key_check: masterKeyCheck(options.to), state: 'next' })
    .onConflict((conflict) => conflict.column('key_id').doNothing())
    .execute();

  const count = async (id: string, on: Kysely<UserKeysTables> = db) =>
    Number(
      (
        await on
          .selectFrom('user_keys')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('master_key_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  let done = await count(to);
  let rewrapped = 0;
  const batchSize = options.batchSize ?? 500;
  for (;;) {
    const moved = await db.transaction().execute(async (trx) => {
      const batch = await trx
        .selectFrom('user_keys')
        .select(['user_id', 'wrapped_key'])
        .where('master_key_id', '=', from)
        .orderBy('user_id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of batch) {
        const context = dataKeyContext(row.user_id);
        const wrapped = wrapKey(options.to, unwrapKey(options.from, row.wrapped_key, context), context);
        await trx
          .updateTable('user_keys')
          .set({ wrapped_key: wrapped, master_key_id: to })
          .where('user_id', '=', row.user_id)
          .execute();
      }
      return batch.length;
    });
    if (moved === 0) break;
    rewrapped += moved;
    done += moved;
    options.onProgress?.(done, done + (await count(from)));
  }
  const finished = await db.transaction().execute(async (trx) => {
    // A process still on `from` may have wrapped a new key meanwhile: none may be left behind.
    await sql`lock table user_keys in share mode`.execute(trx);
    if ((await count(from, trx)) > 0) return false;
    await trx
      .updateTable('master_keys')
      .set({ state: 'retired', retired_at: new Date() })
      .where('key_id', '=', from)
      .execute();
    await trx.updateTable('master_keys').set({ state: 'active' }).where('key_id', '=', to).execute();
    return true;
  });
  if (!finished) throw new RotationRefused(`keys wrapped by ${from} appeared meanwhile: stop every process, run again`);
  await vacuumUserKeys(db, 60_000);
  return { from, to, rewrapped, rotated: true };
}
