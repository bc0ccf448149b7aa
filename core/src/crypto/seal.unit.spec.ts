import { randomBytes } from 'node:crypto';
import t from 'tap';
import { generateDataKey, isSealed, openValue, parseMasterKey, sealValue, unwrapKey, wrapKey } from './index.js';

t.test('a sealed value opens with its key and context, and only with them', async (t) => {
  const key = generateDataKey();
  const sealed = sealValue(key, { title: 'Café', tags: ['x'] }, 'event-1/title');
  t.ok(isSealed(sealed));
  t.notMatch(JSON.stringify(sealed), /Café/, 'no plaintext inside');
  t.same(openValue(key, sealed, 'event-1/title'), { title: 'Café', tags: ['x'] });
  t.throws(() => openValue(key, sealed, 'event-2/title'), 'another context');
  t.throws(() => openValue(generateDataKey(), sealed, 'event-1/title'), 'another key');
  const bytes = Buffer.from(sealed.v, 'base64');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  t.throws(() => openValue(key, { $sealed: 1, v: bytes.toString('base64') }, 'event-1/title'), 'tampered');
  t.not(sealValue(key, 'same', 'c').v, sealValue(key, 'same', 'c').v, 'a fresh nonce each time');
});

t.test('a data key wrapped by the master key unwraps only with it and its context', async (t) => {
  const master = parseMasterKey(randomBytes(32).toString('base64'));
  const dataKey = generateDataKey();
  const wrapped = wrapKey(master, dataKey, 'user-1');
  t.same(unwrapKey(master, wrapped, 'user-1'), dataKey);
  t.throws(() => unwrapKey(master, wrapped, 'user-2'));
  t.throws(() => unwrapKey(generateDataKey(), wrapped, 'user-1'));
  t.throws(() => parseMasterKey(randomBytes(16).toString('base64')), /32 bytes/);
});
