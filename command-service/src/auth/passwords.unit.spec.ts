import t from 'tap';
import { createPasswordHasher } from './passwords.js';

t.test('argon2id hashes verify their password and no other', async (t) => {
  const hasher = await createPasswordHasher(2);
  const hash = await hasher.hash('correct horse battery');
  t.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  t.equal(await hasher.verify(hash, 'correct horse battery'), true);
  t.equal(await hasher.verify(hash, 'Correct horse battery'), false);
  t.equal(await hasher.verify('not a hash', 'x'), false, 'a damaged hash is a failed login, not a crash');
  t.equal(await hasher.verifyNothing('anything'), false);
});
