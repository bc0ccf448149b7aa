import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import {
  checkMasterKey,
  createUserKeyring,
  masterKeyId,
  MasterKeyMismatch,
  openUserKeyring,
  rotateMasterKey,
  type UserKeysTables,
} from './index.js';

t.test(
  'rotation re-wraps every key under the new master key, resumes when interrupted, retires the old one',
  async (t) => {
    const store = await createTestDatabase<UserKeysTables>('write');
    t.teardown(() => store.drop());
    const { db } = store;
    const oldMaster = randomBytes(32);
    const newMaster = randomBytes(32);
    const before = await openUserKeyring(db, oldMaster);
    const users = Array.from({ length: 23 }, () => randomUUID());
    const keys = new Map<string, Buffer>();
    for (const user of users) keys.set(user, await before.keyFor(db, user));

    // Interrupted after its second batch (the progress callback throws, as a killed run would stop).
    const seen: number[] = [];
    const interrupted = await rotateMasterKey(db, {
      from: oldMaster,
      to: newMaster,
      batchSize: 5,
      onProgress: (done) => {
        seen.push(done);
        if (seen.length === 2) throw new Error('interrupted');
      },
    }).catch((error: unknown) => error);
    t.match(interrupted, { message: 'interrupted' });
    const byKey = await db
      .selectFrom('user_keys')
      .select(['master_key_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('master_key_id')
      .execute();
    t.same(
      Object.fromEntries(byKey.map((row) => [row.master_key_id, Number(row.n)])),
      { [masterKeyId(oldMaster)]: 13, [masterKeyId(newMaster)]: 10 },
      'two batches done, the rest still under the old key',
    );
    t.ok(await createUserKeyring(oldMaster).keyFor(db, users[20] ?? ''), 'the old key still works until the end');

    const progress: [number, number][] = [];
    const resumed = await rotateMasterKey(db, {
      from: oldMaster,
      to: newMaster,
      batchSize: 5,
      onProgress: (done, total) => progress.push([done, total]),
    });
    t.same(resumed, { from: masterKeyId(oldMaster), to: masterKeyId(newMaster), rewrapped: 13, rotated: true });
    t.same(progress.at(-1), [23, 23], 'the progress counts the earlier run');

    const after = await openUserKeyring(db, newMaster);
    for (const user of users)
      t.same(await after.keyFor(db, user), keys.get(user), 'the same data key, under the new master');
    const old = await checkMasterKey(db, oldMaster).catch((error: unknown) => error);
    t.ok(old instanceof MasterKeyMismatch, 'a process with the old key is refused');
    t.match(old instanceof Error ? old.message : '', /retired by a key rotation/);
    await t.rejects(createUserKeyring(oldMaster).existingKeyFor(db, users[0] ?? ''), 'the old master unwraps nothing');
    const rows = await db.selectFrom('user_keys').select(['user_id', 'wrapped_key']).execute();
    const { unwrapKey } = await import('./keys.js');
    t.ok(
      rows.every((row) => {
        try {
          unwrapKey(oldMaster, row.wrapped_key, `mindflow:user-key:${row.user_id}`);
          return false;
        } catch {
          return true;
        }
      }),
      'no stored key unwraps with the old master, even bypassing the keyring',
    );
    t.same(
      await rotateMasterKey(db, { from: oldMaster, to: newMaster }),
      {
        from: masterKeyId(oldMaster),
        to: masterKeyId(newMaster),
        rewrapped: 0,
        rotated: false,
      },
      'running it again does nothing',
    );
  },
);
