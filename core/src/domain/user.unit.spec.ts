import t from 'tap';
import {
  absentUser,
  checkDisplayName,
  checkLanguage,
  checkPassword,
  checkTheme,
  checkTimezone,
  decideUser,
  evolveUser,
  normalizeEmail,
  type DomainEvent,
  type UserState,
} from './index.js';

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
  // Long enough, but on every attacker's list (whatever the case).
  for (const common of ['qwerty123456', '1q2w3e4r5t6y', 'QAZWSXEDCRFV', 'password1234']) {
    t.throws(() => checkPassword(common, 'ana@example.com'), violation('password'), common);
  }
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

const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const registration = {
  type: 'RegisterUser' as const,
  email: ' Ana@Example.com ',
  password: 'correct horse battery',
  displayName: ' Ana ',
  timezone: 'Europe/Lisbon',
  consent,
  roles: ['user' as const],
};
const givenUser = (...events: DomainEvent[]) => events.reduce<UserState>(evolveUser, absentUser);
const registered = decideUser(registration, absentUser);

t.test('registering: normalized email and name, consent recorded, extra roles granted', async (t) => {
  t.same(registered, [
    {
      type: 'UserRegistered',
      data: {
        email: 'ana@example.com',
        displayName: 'Ana',
        timezone: 'Europe/Lisbon',
        language: 'en',
        theme: 'system',
      },
    },
    { type: 'ConsentRecorded', data: consent },
  ]);
  t.match(decideUser({ ...registration, roles: ['user', 'admin'] }, absentUser).at(-1), {
    type: 'RoleGranted',
    data: { role: 'admin' },
  });
  t.throws(() => decideUser({ ...registration, password: 'ana@example.com' }, absentUser), violation('password'));
  t.throws(
    () => decideUser({ ...registration, consent: { ...consent, dataProcessing: false } }, absentUser),
    violation('consent.dataProcessing'),
  );
});

t.test('registering with the email of an account that exists records the attempt for its owner', async (t) => {
  const existing = givenUser(...registered);
  t.same(decideUser({ ...registration, email: 'ANA@example.com', displayName: 'Eve' }, existing), [
    { type: 'RegistrationAttempted', data: { email: 'ana@example.com' } },
  ]);
  t.throws(
    () => decideUser({ ...registration, password: 'short' }, existing),
    violation('password'),
    'checked like any registration first',
  );
});

t.test('profile updates record only what changed', async (t) => {
  const state = givenUser(...registered);
  t.same(decideUser({ type: 'UpdateProfile', changes: { displayName: 'Ana', theme: 'dark', photoUrl: null } }, state), [
    { type: 'UserProfileUpdated', data: { changes: { theme: 'dark' } } },
  ]);
  t.same(decideUser({ type: 'UpdateProfile', changes: { timezone: 'Europe/Lisbon' } }, state), []);
  t.throws(() => decideUser({ type: 'UpdateProfile', changes: { theme: 'blue' } }, state), violation('theme'));
  t.throws(() => decideUser({ type: 'UpdateProfile', changes: {} }, absentUser), { code: 'NOT_FOUND' });
});

t.test('roles: granting one held or revoking one not held changes nothing; the user role stays', async (t) => {
  const state = givenUser(...registered, { type: 'RoleGranted', data: { role: 'analyst' } });
  t.same(state.status === 'active' ? state.roles : [], ['user', 'analyst']);
  t.same(decideUser({ type: 'GrantRole', role: 'analyst' }, state), []);
  t.same(decideUser({ type: 'RevokeRole', role: 'admin' }, state), []);
  t.same(decideUser({ type: 'RevokeRole', role: 'analyst' }, state), [
    { type: 'RoleRevoked', data: { role: 'analyst' } },
  ]);
  t.throws(() => decideUser({ type: 'RevokeRole', role: 'user' }, state), { code: 'CONFLICT' });
  t.match(givenUser(...registered, { type: 'UserProfileUpdated', data: { changes: { language: 'pt' } } }), {
    profile: { language: 'pt', displayName: 'Ana' },
  });
});
