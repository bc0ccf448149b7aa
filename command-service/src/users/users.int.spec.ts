import { randomUUID } from 'node:crypto';
import { readStream } from '@mindflow/core/eventstore';
import t from 'tap';
import { unsubscribeTokens } from '@mindflow/core/mail';
import { commandServiceForTest, testSecrets } from '../testing.js';

const service = await commandServiceForTest({ admin: { email: 'root@example.com', password: 'the admin password' } });
t.teardown(() => service.close());
const { app, db } = service;
const password = 'correct horse battery';
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };

async function signIn(email: string, secret = password) {
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: secret } });
  return login.json<{ accessToken: string; refreshToken: string; user: { id: string; roles: string[] } }>();
}
async function user() {
  const email = `${randomUUID()}@example.com`;
  await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'Ana', consent },
  });
  const session = await signIn(email);
  return { email, id: session.user.id, headers: { authorization: `Bearer ${session.accessToken}` } };
}

t.test('PATCH /v1/me changes the profile, with If-Match when given', async (t) => {
  const ana = await user();
  const changed = await app.inject({
    method: 'PATCH',
    url: '/v1/me',
    headers: ana.headers,
    payload: { displayName: 'Ana S.', timezone: 'America/Sao_Paulo', theme: 'dark' },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { id: ana.id, version: 2 });
  const row = await db.selectFrom('users').selectAll().where('id', '=', ana.id).executeTakeFirstOrThrow();
  t.match(row, { display_name: 'Ana S.', timezone: 'America/Sao_Paulo', theme: 'dark', version: 2 });
  const stale = await app.inject({
    method: 'PATCH',
    url: '/v1/me',
    headers: { ...ana.headers, 'if-match': '"1"' },
    payload: { theme: 'light' },
  });
  t.equal(stale.statusCode, 412);
  const bad = await app.inject({
    method: 'PATCH',
    url: '/v1/me',
    headers: ana.headers,
    payload: { timezone: 'Nowhere/Else' },
  });
  t.match(bad.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: 'timezone' }] } });
  const same = await app.inject({ method: 'PATCH', url: '/v1/me', headers: ana.headers, payload: { theme: 'dark' } });
  t.match(same.json(), { version: 2, position: 0 }, 'no change, no event');
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/me', payload: { theme: 'dark' } })).statusCode, 401);
});

t.test('settings and consent are recorded, consent as a history', async (t) => {
  const ana = await user();
  const settings = {
    autoSave: false,
    privateMode: true,
    emailWeeklyInsights: true,
    emailMonthlyInsights: false,
    emailReminderToWrite: true,
  };
  t.equal(
    (await app.inject({ method: 'PUT', url: '/v1/me/settings', headers: ana.headers, payload: settings })).statusCode,
    200,
  );
  t.match(await db.selectFrom('user_settings').selectAll().where('user_id', '=', ana.id).executeTakeFirstOrThrow(), {
    private_mode: true,
    auto_save: false,
  });
  const partial = await app.inject({
    method: 'PUT',
    url: '/v1/me/settings',
    headers: ana.headers,
    payload: { autoSave: true },
  });
  t.equal(partial.statusCode, 400, 'PUT replaces: every setting is required');
  await app.inject({
    method: 'PUT',
    url: '/v1/me/consent',
    headers: ana.headers,
    payload: { ...consent, marketing: true },
  });
  const history = await db
    .selectFrom('user_gdpr_consent')
    .select('marketing')
    .where('user_id', '=', ana.id)
    .orderBy('id')
    .execute();
  t.same(
    history.map((h) => h.marketing),
    [false, true],
  );
  t.same(
    (await readStream(db, `user-${ana.id}`)).map((e) => e.type),
    ['UserRegistered', 'ConsentRecorded', 'UserLoggedIn', 'SettingsUpdated', 'ConsentRecorded'],
  );
});

t.test('admins grant and revoke roles; nobody else may', async (t) => {
  const ana = await user();
  const bruno = await user();
  const root = await signIn('root@example.com', 'the admin password');
  const asAdmin = { authorization: `Bearer ${root.accessToken}` };

  for (const [method, url, payload] of [
    ['GET', `/v1/admin/users?email=${ana.email}`, undefined],
    ['POST', `/v1/admin/users/${bruno.id}/roles`, { role: 'admin' }],
    ['DELETE', `/v1/admin/users/${ana.id}/roles/user`, undefined],
  ] as const) {
    t.equal(
      (await app.inject({ method, url, headers: ana.headers, ...(payload ? { payload } : {}) })).statusCode,
      403,
      `${method} ${url}`,
    );
  }

  const found = await app.inject({
    method: 'GET',
    url: `/v1/admin/users?email=${ana.email.toUpperCase()}`,
    headers: asAdmin,
  });
  t.match(found.json(), { items: [{ id: ana.id, roles: ['user'] }] });

  const granted = await app.inject({
    method: 'POST',
    url: `/v1/admin/users/${ana.id}/roles`,
    headers: asAdmin,
    payload: { role: 'analyst' },
  });
  t.equal(granted.statusCode, 200);
  t.same((await signIn(ana.email)).user.roles, ['user', 'analyst'], 'the next login carries the role');
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/admin/users/${ana.id}/roles/analyst`, headers: asAdmin }))
      .statusCode,
    200,
  );
  t.same((await signIn(ana.email)).user.roles, ['user']);
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/admin/users/${ana.id}/roles/user`, headers: asAdmin })).statusCode,
    409,
    'the user role stays',
  );
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/admin/users/${randomUUID()}/roles`,
        headers: asAdmin,
        payload: { role: 'analyst' },
      })
    ).statusCode,
    404,
  );
  const roles = (await readStream(db, `user-${ana.id}`)).map((e) => e.type).filter((type) => type.startsWith('Role'));
  t.same(roles, ['RoleGranted', 'RoleRevoked']);
});

t.test('DELETE /v1/me checks the password under the login throttle: guesses with a stolen token run out', async (t) => {
  const ana = await user();
  const remoteAddress = '198.51.100.40';
  const erase = (secret: string) =>
    app.inject({ method: 'DELETE', url: '/v1/me', headers: ana.headers, payload: { password: secret }, remoteAddress });
  for (let i = 0; i < 5; i++) t.equal((await erase(`guess number ${i}`)).statusCode, 403);
  const blocked = await erase(password);
  t.equal(blocked.statusCode, 429, 'the sixth try waits, even with the right password');
  t.equal(blocked.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: ana.email, password },
    remoteAddress,
  });
  t.equal(login.statusCode, 429, 'one budget with logins from that address');
  const row = await db.selectFrom('users').select('deleted_at').where('id', '=', ana.id).executeTakeFirstOrThrow();
  t.equal(row.deleted_at, null, 'the account is still there');
});

t.test('text at its length limit counts code points everywhere: astral characters are one each', async (t) => {
  const ana = await user();
  // 32 code points, 64 UTF-16 code units: the request's schema lets it in (JSON Schema counts code
  // points), and so must the event's (before: 500, the event's check counted code units).
  const version = '🌊'.repeat(32);
  const recorded = await app.inject({
    method: 'PUT',
    url: '/v1/me/consent',
    headers: ana.headers,
    payload: { ...consent, privacyPolicyVersion: version },
  });
  t.equal(recorded.statusCode, 200, recorded.body);
  const over = await app.inject({
    method: 'PUT',
    url: '/v1/me/consent',
    headers: ana.headers,
    payload: { ...consent, privacyPolicyVersion: `${version}🌊` },
  });
  t.equal(over.statusCode, 400, 'one more is refused as the schema says');
  const write = (title: string, tag: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: ana.headers,
      payload: { date: '2026-12-05', title, content: '🌙'.repeat(10_000), tags: [tag] },
    });
  const atLimit = await write('📓'.repeat(200), '🏷'.repeat(50));
  t.equal(atLimit.statusCode, 201, `200 astral characters of title, 50 of tag, 10,000 of content: ${atLimit.body}`);
  t.equal((await write('📓'.repeat(201), 'x')).statusCode, 400, 'a title of 201 is refused');
  // 12 code points, 6 letters with their combining accents: as many characters as the schema counts.
  const accented = 'e\u0301'.repeat(6);
  const registered = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: `${randomUUID()}@example.com`, password: accented, displayName: 'É', consent },
  });
  t.equal(registered.statusCode, 201, `a password of 12 code points is long enough: ${registered.body}`);
});

t.test(
  'an Idempotency-Key stands for one unsubscribe link: another link under it is refused, not answered with the first',
  async (t) => {
    const ana = await user();
    const on = {
      autoSave: true,
      privateMode: false,
      emailWeeklyInsights: true,
      emailMonthlyInsights: false,
      emailReminderToWrite: true,
    };
    const turnedOn = await app.inject({ method: 'PUT', url: '/v1/me/settings', headers: ana.headers, payload: on });
    t.equal(turnedOn.statusCode, 200, turnedOn.body);
    const tokens = unsubscribeTokens(testSecrets.jwtSecret);
    const unsubscribe = (kind: 'reminder' | 'weekly') =>
      app.inject({
        method: 'POST',
        url: `/v1/unsubscribe?token=${tokens.sign(ana.id, kind)}`,
        headers: { 'idempotency-key': 'one-click' },
        payload: { 'List-Unsubscribe': 'One-Click' },
      });
    const first = await unsubscribe('reminder');
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { setting: 'emailReminderToWrite', enabled: false });
    t.ok(first.json<{ position: number }>().position > 0, 'turned off');
    const again = await unsubscribe('reminder');
    t.equal(again.headers['idempotent-replayed'], 'true', 'the same link again: the first answer');
    t.same(again.json(), first.json());

    const other = await unsubscribe('weekly');
    t.equal(other.statusCode, 422, other.body);
    t.equal(other.json<{ error: { code: string } }>().error.code, 'IDEMPOTENCY_KEY_REUSED');
    const settings = await db
      .selectFrom('user_settings')
      .select(['email_reminder_to_write', 'email_weekly_insights'])
      .where('user_id', '=', ana.id)
      .executeTakeFirstOrThrow();
    t.same(
      settings,
      { email_reminder_to_write: false, email_weekly_insights: true },
      'the weekly email stays as it was',
    );
  },
);
