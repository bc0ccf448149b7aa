import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { finishMasterKeyRotation, loadOrCreateSecrets, nextMasterKey } from './secrets.js';

t.test('an embedded rotation keeps its next key until it ends, then only that key', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mindflow-secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const before = await loadOrCreateSecrets(dir);
  const next = await nextMasterKey(dir);
  t.same(await nextMasterKey(dir), next, 'an interrupted rotation resumes with the same key');
  t.same((await loadOrCreateSecrets(dir)).masterKey, before.masterKey, 'the old key is in use until the end');
  await finishMasterKeyRotation(dir);
  const after = await loadOrCreateSecrets(dir);
  t.same(after.masterKey, next);
  t.equal(after.jwtSecret, before.jwtSecret);
  t.notMatch(
    await readFile(path.join(dir, 'secrets.json'), 'utf8'),
    before.masterKey.toString('base64'),
    'the old key is gone',
  );
});
