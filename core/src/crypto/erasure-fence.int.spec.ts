import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { closeUserFence, enterUserFence, UserErasedError, type ErasedUsersTables } from './erasure-fence.js';

const store = await createTestDatabase<ErasedUsersTables>('write');
t.teardown(() => store.drop());
const db: Kysely<ErasedUsersTables> = store.db;

/** Resolves with the transaction's outcome once `entering` has got past the fence, or failed at it. */
function enterAndCommit(userId: string): Promise<'entered' | 'erased'> {
  return db
    .transaction()
    .execute(async (trx) => {
      await enterUserFence(trx, userId);
      return 'entered' as const;
    })
    .catch((error: unknown) => {
      if (error instanceof UserErasedError) return 'erased' as const;
      throw error;
    });
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

t.test('a user no one erased enters the fence', async (t) => {
  t.equal(await enterAndCommit(randomUUID()), 'entered');
});

t.test('an erased user is refused at the fence', async (t) => {
  const userId = randomUUID();
  await db.insertInto('erased_users').values({ user_id: userId, erased_at: new Date() }).execute();
  t.equal(await enterAndCommit(userId), 'erased');
});

t.test('a command that waits at the fence while the erasure runs is refused once it commits', async (t) => {
  // The erasure closes the fence first, then marks the user erased, and commits later. The command
  // arrives in between: it waits on the lock, and its check must see what committed while it
  // waited (a check in the same statement as the lock, or before it, would let it through).
  const userId = randomUUID();
  const held = signal();
  const fenceClosed = signal();
  const erasure = db.transaction().execute(async (trx) => {
    await closeUserFence(trx, userId);
    await trx.insertInto('erased_users').values({ user_id: userId, erased_at: new Date() }).execute();
    fenceClosed.resolve();
    await held.promise;
  });
  await fenceClosed.promise;
  const command = enterAndCommit(userId);
  // The command is now blocked on the lock: give it time to send its statement and wait.
  await new Promise((resolve) => setTimeout(resolve, 200));
  held.resolve();
  await erasure;
  t.equal(await command, 'erased');
});

t.test('an erasure waits for a command inside the fence, and the next command is refused', async (t) => {
  const userId = randomUUID();
  const held = signal();
  const entered = signal();
  const command = db.transaction().execute(async (trx) => {
    await enterUserFence(trx, userId);
    entered.resolve();
    await held.promise;
  });
  await entered.promise;
  let erased = false;
  const erasure = db
    .transaction()
    .execute(async (trx) => {
      await closeUserFence(trx, userId);
      await trx.insertInto('erased_users').values({ user_id: userId, erased_at: new Date() }).execute();
    })
    .then(() => (erased = true));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(erased, false, 'the erasure waits while a command is inside the fence');
  held.resolve();
  await command;
  await erasure;
  t.equal(await enterAndCommit(userId), 'erased');
});

t.test('the fence refuses a transaction whose snapshot would hide the erasure it waited for', async (t) => {
  for (const level of ['repeatable read', 'serializable'] as const) {
    await t.rejects(
      db
        .transaction()
        .setIsolationLevel(level)
        .execute((trx) => enterUserFence(trx, randomUUID())),
      /needs read committed/,
      level,
    );
  }
});
