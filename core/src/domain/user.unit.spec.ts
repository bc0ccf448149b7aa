import t from 'tap';
import { checkDisplayName, checkLanguage, checkPassword, checkTheme, checkTimezone, normalizeEmail } from './index.js';

const violation = (path: string) => ({ code: 'VALIDATION_FAILED', details: [{ path }] });

t.test('emails are valid and compared case-insensitively', async (t) => {
  t.equal(normalizeEmail('  Ana.Sousa@Example.COM '), 'ana.sousa@example.com');
  for (const bad of ['ana', 'ana@', '@example.com', 'ana@example', 'a b@example.com', `${'a'.repeat(250)}@x.io`]) {
    t.throws(() => normalizeEmail(bad), violation('email'), bad);
  }
});

t.test('passwords: at least 12 characters, and not the email', async (t) => {
  t.throws(() => checkPassword('short-pass1', 'ana@example.com'), violation('password'));
  t.throws(() => checkPassword('ANA@example.com', 'ana@example.com'), {
    message: /email/,
    details: [{ path: 'password' }],
  });
  t.doesNotThrow(() => checkPassword('correct horse battery', 'ana@example.com'));
  t.doesNotThrow(
    () => checkPassword('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', 'ana@example.com'),
    'counted in characters, not bytes',
  );
});

t.test('profile fields', async (t) => {
  t.equal(checkDisplayName('  Ana  '), 'Ana');
  t.throws(() => checkDisplayName(' '), violation('displayName'));
  t.equal(checkTimezone('Europe/Lisbon'), 'Europe/Lisbon');
  t.throws(() => checkTimezone('Mars/Olympus'), violation('timezone'));
  t.equal(checkLanguage('pt'), 'pt');
  t.throws(() => checkLanguage('fr'), violation('language'));
  t.equal(checkTheme('system'), 'system');
  t.throws(() => checkTheme('blue'), violation('theme'));
});
