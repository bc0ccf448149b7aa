import { randomUUID } from 'node:crypto';
import { testSecrets } from '@mindflow/command-service/testing';
import { connectPostgres } from '@mindflow/core/postgres';
import { writeDatabase } from '@mindflow/core/write-model';
import { SignJWT } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { queryServiceForTest } from '../testing.js';

// Sessions from outside, on the platform as the test suite runs it: the command routes and the read
// routes each check sessions with a store of their own (in-process caches, one Redis), as two
// processes would. A revoked login, role or account stops working within one second on both.
const platform = await queryServiceForTest({ rateLimitPrefix: 'ratelimit:sessions-test:' });
const write = connectPostgres('write', platform.writeUrl, 2);
const db = writeDatabase(write.db);
t.teardown(async () => {
  await write.close();
  await platform.close();
});
const { app } = platform;

const password = 'correct horse battery';
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
/** Revocation must be seen everywhere within this. */
const withinMs = 1_000;

interface Login {
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

async function registered(roles: readonly string[] = ['user']): Promise<{ email: string; id: string }> {
  const email = `${randomUUID()}@example.com`;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'A', consent },
  });
  const { id } = response.json<{ id: string }>();
  // Given: staff roles, set where an admin's grant would put them.
  if (roles.length > 1)
    await db
      .updateTable('users')
      .set({ roles: [...roles] })
      .where('id', '=', id)
      .execute();
  return { email, id };
}

async function login(email: string, secret = password): Promise<Login> {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: secret } });
  if (response.statusCode !== 200) throw new Error(`login: ${String(response.statusCode)} ${response.body}`);
  const body = response.json<{ accessToken: string; refreshToken: string; user: { id: string } }>();
  return { userId: body.user.id, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

const as = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload }),
  });
const readEntries = (token: string) => as(token, 'GET', '/v1/entries');
const writeEntry = (token: string) =>
  as(token, 'POST', '/v1/entries', { date: '2026-03-01', title: 'A day', content: 'words', mood: 'happy' });
const refresh = (refreshToken: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

/** How long, from now, until `probe` answers `status` (fails the test past `withinMs`, never hangs). */
async function msUntil(status: number, probe: () => Promise<LightMyRequestResponse>): Promise<number> {
  const started = performance.now();
  for (;;) {
    const response = await probe();
    const elapsed = performance.now() - started;
    if (response.statusCode === status) return elapsed;
    if (response.statusCode >= 500) throw new Error(`answered ${String(response.statusCode)}: ${response.body}`);
    if (elapsed > withinMs * 3) return elapsed;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('a revoked role stops working within a second, on a read route and on a command route', async (t) => {
  const boss = await login((await registered(['user', 'admin'])).email);
  const officerAccount = await registered(['user', 'compliance', 'admin']);
  const officer = await login(officerAccount.email);
  const auditLogs = () => as(officer.accessToken, 'GET', '/v1/audit/logs?limit=1');
  const findUser = () => as(officer.accessToken, 'GET', `/v1/admin/users?email=${officerAccount.email}`);
  t.equal((await auditLogs()).statusCode, 200, 'the officer reads the audit logs');
  t.equal((await findUser()).statusCode, 200, 'and, as an admin, finds users');

  const revoked = await as(boss.accessToken, 'DELETE', `/v1/admin/users/${officer.userId}/roles/compliance`);
  t.equal(revoked.statusCode, 200);
  const readSide = await msUntil(403, auditLogs);
  t.ok(readSide < withinMs, `audit logs refused ${readSide.toFixed(0)} ms after the revocation`);
  t.equal((await auditLogs()).json<{ error: { code: string } }>().error.code, 'FORBIDDEN');

  t.equal((await as(boss.accessToken, 'DELETE', `/v1/admin/users/${officer.userId}/roles/admin`)).statusCode, 200);
  const commandSide = await msUntil(403, findUser);
  t.ok(commandSide < withinMs, `admin route refused ${commandSide.toFixed(0)} ms after the revocation`);

  const granted = await as(boss.accessToken, 'POST', `/v1/admin/users/${officer.userId}/roles`, {
    role: 'compliance',
  });
  t.equal(granted.statusCode, 200);
  const regained = await msUntil(200, auditLogs);
  t.ok(regained < withinMs, `a granted role works ${regained.toFixed(0)} ms later, without a new login`);
});

t.test('after logout, the access token is refused within a second by reads and commands', async (t) => {
  const { email } = await registered();
  const session = await login(email);
  const other = await login(email);
  t.equal((await readEntries(session.accessToken)).statusCode, 200);
  const out = await app.inject({
    method: 'POST',
    url: '/v1/auth/logout',
    payload: { refreshToken: session.refreshToken },
  });
  t.equal(out.statusCode, 204);
  const read = await msUntil(401, () => readEntries(session.accessToken));
  t.ok(read < withinMs, `read refused ${read.toFixed(0)} ms after logout`);
  t.equal((await writeEntry(session.accessToken)).statusCode, 401, 'a command too');
  t.equal((await readEntries(session.accessToken)).json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED');
  t.equal((await readEntries(other.accessToken)).statusCode, 200, 'the same user’s other login goes on');
});

t.test('a refresh token used twice revokes its family and every access token of it', async (t) => {
  const { email } = await registered();
  const first = await login(email);
  const rotated = await refresh(first.refreshToken);
  t.equal(rotated.statusCode, 200);
  const second = rotated.json<{ accessToken: string; refreshToken: string }>();
  t.equal((await readEntries(second.accessToken)).statusCode, 200);

  const reused = await refresh(first.refreshToken);
  t.equal(reused.statusCode, 401, 'the spent token is refused');
  for (const [name, token] of [
    ['the first access token', first.accessToken],
    ['the rotated access token', second.accessToken],
  ] as const) {
    const read = await msUntil(401, () => readEntries(token));
    t.ok(read < withinMs, `${name}: reads refused within ${read.toFixed(0)} ms`);
    t.equal((await writeEntry(token)).statusCode, 401, `${name}: commands refused`);
  }
  t.equal((await refresh(second.refreshToken)).statusCode, 401, 'the rotated refresh token is revoked too');
});

t.test('a token without exp is refused, even for a live session', async (t) => {
  const { email } = await registered();
  const session = await login(email);
  const payload = JSON.parse(Buffer.from(session.accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
    sid: string;
  };
  const forever = await new SignJWT({ roles: ['user', 'admin', 'compliance'], sid: payload.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(session.userId)
    .setIssuer('mindflow')
    .setAudience('mindflow-api')
    .setIssuedAt()
    .sign(new TextEncoder().encode(testSecrets.jwtSecret));
  t.equal((await readEntries(forever)).statusCode, 401, 'read route');
  t.equal((await writeEntry(forever)).statusCode, 401, 'command route');
  t.equal((await as(forever, 'GET', '/v1/audit/logs?limit=1')).statusCode, 401, 'staff route');
});

t.test('a password change ends every other login and keeps the current one', async (t) => {
  const { email } = await registered();
  const current = await login(email);
  const other = await login(email);
  const newPassword = 'a brand new passphrase';

  const tooShort = await as(current.accessToken, 'POST', '/v1/me/password', {
    currentPassword: password,
    newPassword: 'short',
  });
  t.equal(tooShort.statusCode, 400, 'the registration rules hold');
  t.match(tooShort.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path: 'newPassword' }] } });
  const wrong = await as(current.accessToken, 'POST', '/v1/me/password', {
    currentPassword: 'not the password at all',
    newPassword,
  });
  t.equal(wrong.statusCode, 403, 'the current password must match');

  const changed = await as(current.accessToken, 'POST', '/v1/me/password', { currentPassword: password, newPassword });
  t.equal(changed.statusCode, 200, changed.body);
  t.match(changed.json(), { sessionsEnded: 1, position: Number });

  const read = await msUntil(401, () => readEntries(other.accessToken));
  t.ok(read < withinMs, `the other login is refused ${read.toFixed(0)} ms after the change`);
  t.equal((await refresh(other.refreshToken)).statusCode, 401, 'its refresh token too');
  t.equal((await readEntries(current.accessToken)).statusCode, 200, 'the current login goes on');
  t.equal((await writeEntry(current.accessToken)).statusCode, 201);
  t.equal((await refresh(current.refreshToken)).statusCode, 200, 'and refreshes');
  const oldPassword = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  t.equal(oldPassword.statusCode, 401, 'the old password no longer signs in');
  await t.resolves(login(email, newPassword), 'the new one does');
});

t.test('the current password is throttled like a login', async (t) => {
  const { email } = await registered();
  const session = await login(email);
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const response = await as(session.accessToken, 'POST', '/v1/me/password', {
      currentPassword: `wrong guess number ${String(attempt)}`,
      newPassword: 'a brand new passphrase',
    });
    statuses.push(response.statusCode);
  }
  t.same(statuses, [403, 403, 403, 403, 403, 429], 'five wrong guesses, then 429');
  const right = await as(session.accessToken, 'POST', '/v1/me/password', {
    currentPassword: password,
    newPassword: 'a brand new passphrase',
  });
  t.equal(right.statusCode, 429, 'even the right password waits');
  t.ok(right.headers['retry-after'], 'with Retry-After');
});

t.test('an erased user’s token gets 401 on POST /v1/insights, reads and commands (never a 5xx)', async (t) => {
  const { email } = await registered();
  const session = await login(email);
  const erased = await as(session.accessToken, 'DELETE', '/v1/me', { password });
  t.equal(erased.statusCode, 202);
  const insight = await as(session.accessToken, 'POST', '/v1/insights', {
    type: 'weekly',
    from: '2026-03-02',
    to: '2026-03-08',
  });
  t.equal(insight.statusCode, 401, insight.body);
  t.equal(insight.json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED');
  t.equal((await readEntries(session.accessToken)).statusCode, 401);
  t.equal((await writeEntry(session.accessToken)).statusCode, 401);
});
