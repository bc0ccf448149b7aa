import { randomUUID } from 'node:crypto';
import t from 'tap';
import { commandServiceForTest } from '../testing.js';

// The web client's refresh token travels in a cookie no script can read; its CSRF guards.
const service = await commandServiceForTest();
t.teardown(() => service.close());
const { app } = service;

const consent = { termsVersion: '2026-01', privacyPolicyVersion: '2026-01', dataProcessing: true, marketing: false };
const password = 'correct horse battery';
const client = { 'x-mindflow-client': 'web' };

async function signedIn() {
  const email = `${randomUUID()}@example.com`;
  await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'Ana', consent },
  });
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

interface Cookie {
  name: string;
  value: string;
  path?: string;
  httpOnly?: boolean;
  sameSite?: string;
  secure?: boolean;
  maxAge?: number;
}
const refreshCookie = (response: { cookies: Cookie[] }) =>
  response.cookies.find((cookie) => cookie.name === 'mindflow_refresh');
const byCookie = (value: string, headers: Record<string, string> = client) =>
  app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: {},
    headers,
    cookies: { mindflow_refresh: value },
  });

t.test('login sets the refresh token in an httpOnly, SameSite=Strict cookie scoped to /v1/auth', async (t) => {
  const login = await signedIn();
  t.equal(login.statusCode, 200);
  const cookie = refreshCookie(login);
  t.ok(cookie, 'the cookie is set');
  t.equal(cookie?.value, login.json<{ refreshToken: string }>().refreshToken, 'the body still has it too');
  t.match(cookie, { path: '/v1/auth', httpOnly: true, sameSite: 'Strict' });
  t.notOk(cookie?.secure, 'not Secure over plain HTTP');
  t.ok((cookie?.maxAge ?? 0) > 86_400, 'lives as long as the token');

  const overHttps = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: 'nobody@example.com', password },
  });
  t.equal(overHttps.statusCode, 401, 'a failed login sets nothing');
  t.notOk(refreshCookie(overHttps));
});

t.test('the cookie alone refreshes (rotated), and logout by cookie clears it and ends the login', async (t) => {
  const first = refreshCookie(await signedIn())?.value ?? '';
  const refreshed = await byCookie(first);
  t.equal(refreshed.statusCode, 200, refreshed.body);
  const second = refreshCookie(refreshed)?.value ?? '';
  t.equal(second, refreshed.json<{ refreshToken: string }>().refreshToken, 'the new token in the cookie');
  t.not(second, first);
  t.equal((await byCookie(first)).statusCode, 401, 'the spent one is refused');

  const other = refreshCookie(await signedIn())?.value ?? '';
  const out = await app.inject({
    method: 'POST',
    url: '/v1/auth/logout',
    payload: {},
    headers: client,
    cookies: { mindflow_refresh: other },
  });
  t.equal(out.statusCode, 204);
  const cleared = refreshCookie(out);
  t.equal(cleared?.value, '', 'cleared');
  t.equal(cleared?.path, '/v1/auth');
  t.equal((await byCookie(other)).statusCode, 401, 'the login is over');
});

t.test('a refused cookie is cleared; no token at all is 401', async (t) => {
  const refused = await byCookie('not-a-token');
  t.equal(refused.statusCode, 401);
  t.equal(refreshCookie(refused)?.value, '');
  const none = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: {}, headers: client });
  t.equal(none.statusCode, 401);
  t.equal(none.json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED');
});

t.test('CSRF: a refresh or logout by cookie needs the client header and a same-site Origin', async (t) => {
  const token = refreshCookie(await signedIn())?.value ?? '';
  const bare = await byCookie(token, {});
  t.equal(bare.statusCode, 403, 'no X-MindFlow-Client: refused (a cross-site form cannot send it)');
  const foreign = await byCookie(token, { ...client, origin: 'https://evil.example' });
  t.equal(foreign.statusCode, 403, 'another Origin: refused');
  const logout = await app.inject({
    method: 'POST',
    url: '/v1/auth/logout',
    payload: {},
    cookies: { mindflow_refresh: token },
  });
  t.equal(logout.statusCode, 403, 'a cross-site logout is refused too');
  const same = await byCookie(token, { ...client, origin: 'http://localhost:3000', host: 'localhost:3000' });
  t.equal(same.statusCode, 200, 'this site, with the header: the token was never spent by the refusals');
});

t.test('the body token still works as before, without the header', async (t) => {
  const login = await signedIn();
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: { refreshToken: login.json<{ refreshToken: string }>().refreshToken },
  });
  t.equal(response.statusCode, 200);
});
