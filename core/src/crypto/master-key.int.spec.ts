import { randomBytes } from 'node:crypto';
import t from 'tap';
import { createTestDatabase } from '../testing/index.js';
import { checkMasterKey, masterKeyId, MasterKeyMismatch, openUserKeyring, type UserKeysTables } from './index.js';

const store = await createTestDatabase<UserKeysTables>('write');
t.teardown(() => store.drop());
const { db } = store;

t.test(
  'the first master key used is recorded; the same key passes, another is refused, naming the expected id',
  async (t) => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    const [a, b] = await Promise.allSettled([checkMasterKey(db, first), checkMasterKey(db, second)]);
    // Two first starts at once: exactly one key wins.
    const won = a.status === 'fulfilled' ? first : second;
    const lost = won === first ? second : first;
    t.equal(
      [a, b].filter((result) => result.status === 'fulfilled').length,
      1,
      'one of two concurrent first starts wins',
    );
    t.equal(await checkMasterKey(db, won), masterKeyId(won), 'the same key starts again');
    const refused = await openUserKeyring(db, lost).catch((error: unknown) => error);
    t.ok(refused instanceof MasterKeyMismatch, 'another key is refused');
    t.match(
      refused instanceof Error ? refused.message : '',
      `the write database expects master key ${masterKeyId(won)}, but this process holds master key ${masterKeyId(lost)}`,
    );
    t.equal((await openUserKeyring(db, won)).masterKeyId, masterKeyId(won));
  },
);
