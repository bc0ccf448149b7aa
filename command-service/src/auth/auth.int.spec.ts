import { randomUUID } from 'node:crypto';
import { readStream } from '@mindflow/core/eventstore';
import t, { type Test } from 'tap';
import type { Response as LightMyRequestResponse } from 'light-my-request';
import { commandServiceForTest } from '../testing.js';

const service = await commandServiceForTest({ admin: { email: 'Admin@Example.com', password: 'an admin password' } });
t.teardown(() => service.close());
const { app, db } = service;

const consent = { termsVersion: '2026-01', privacyPolicyVersion: '2026-01', dataProcessing: true, marketing: false };
const newEmail = () => `${randomUUID()}@example.com`;
const password = 'correct horse battery';

async function registered(email = newEmail()) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'Ana', timezone: 'Europe/Lisbon', language: 'pt', consent },
  });
  return { email, response, id: response.json<{ id: string }>().id };
}

/** Same status, headers (by name), body keys and value types, ETag and version: nothing tells them apart but values. */
function sameShape(t: Test, response: LightMyRequestResponse, expected: LightMyRequestResponse) {
  t.equal(response.statusCode, expected.statusCode, 'the same status');
  t.same(Object.keys(response.headers).sort(), Object.keys(expected.headers).sort(), 'the same headers');
  t.equal(response.headers.etag, expected.headers.etag, 'the same ETag');
  t.equal(response.headers['content-type'], expected.headers['content-type']);
  const shape = (body: Record<string, unknown>) =>
    Object.entries(body)
      .map(([key, value]) => `${key}:${typeof value}`)
      .sort();
  t.same(shape(response.json()), shape(expected.json()), 'the same body shape');
  t.equal(response.json<{ version: number }>().version, expected.json<{ version: number }>().version);
  t.match(response.json(), { id: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ }, 'a v4 id');
}

const login = (email: string, secret = password, ip = '192.0.2.1') =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: secret }, remoteAddress: ip });
const refresh = (refreshToken: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

t.test('register: 201 with id, version and position; the events are in the user stream', async (t) => {
  const { response, id } = await registered();
  t.equal(response.statusCode, 201);
  t.match(response.json(), { id, version: 2, position: Number });
  const events = await readStream(db, `user-${id}`);
  t.same(
    events.map((e) => e.type),
    ['UserRegistered', 'ConsentRecorded'],
  );
});

t.test('register refuses bad input with the field named, and answers a taken email like a new one', async (t) => {
  const { email, response: first } = await registered();
  // A taken email (whatever its case) is answered like a new one: no account enumeration.
  const again = await registered(email.toUpperCase());
  t.equal(again.response.statusCode, 201);
  sameShape(t, again.response, first);
  t.not(again.id, first.json<{ id: string }>().id, 'an id nobody has');
  // The owner's stream records the attempt, for the email telling them; the address is sealed.
  const owner = first.json<{ id: string }>().id;
  const stream = await readStream(db, `user-${owner}`);
  t.same(
    stream.map((e) => e.type),
    ['UserRegistered', 'ConsentRecorded', 'RegistrationAttempted'],
  );
  t.notOk(JSON.stringify(stream.at(-1)?.data).includes(email), 'the address is sealed in the event');
  t.equal(again.response.json<{ position: number }>().position, stream.at(-1)?.globalPosition);
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .execute();
  t.equal(rows.length, 1, 'nothing stored');
  t.equal(
    (await login(email, 'another long secret', '192.0.2.5')).statusCode,
    401,
    'and the second password is nobody’s',
  );
  const cases: [Record<string, unknown>, string][] = [
    [{ password: 'short' }, 'password'],
    [{ password: 'Qwerty123456' }, 'password'],
    [{ email: 'not-an-email' }, 'email'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ consent: { ...consent, dataProcessing: false } }, 'consent.dataProcessing'],
  ];
  for (const [change, path] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: newEmail(), password, displayName: 'Ana', consent, ...change },
    });
    t.equal(response.statusCode, 400, path);
    t.match(response.json(), { error: { code: 'VALIDATION_FAILED', details: [{ path }] } }, path);
  }
  const unknownField = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: newEmail(), password, displayName: 'Ana', consent, admin: true },
  });
  t.equal(unknownField.statusCode, 400);
});

t.test('login gives tokens; a wrong password is a 401 recorded as LoginFailed', async (t) => {
  const { email, id } = await registered();
  const wrong = await login(email, 'wrong password!!');
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED');
  t.equal((await login(newEmail())).statusCode, 401, 'an unknown email gets the same answer');
  const ok = await login(email.toUpperCase());
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), {
    accessToken: String,
    refreshToken: String,
    expiresIn: 900,
    user: { id, email, roles: ['user'] },
  });
  t.same(
    (await readStream(db, `user-${id}`)).map((e) => e.type),
    ['UserRegistered', 'ConsentRecorded', 'LoginFailed', 'UserLoggedIn'],
  );
});

t.test('five failures from one address block that address for that account; the owner elsewhere gets in', async (t) => {
  const { email } = await registered();
  const guesser = '198.51.100.7';
  for (let i = 0; i < 5; i++) t.equal((await login(email, `wrong password ${i}`, guesser)).statusCode, 401);
  const blocked = await login(email, password, guesser);
  t.equal(blocked.statusCode, 429, 'even the right password waits, from the guessing address');
  t.ok(Number(blocked.headers['retry-after']) > 0, `Retry-After: ${String(blocked.headers['retry-after'])}`);
  t.equal(blocked.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  t.equal(
    (await login(email, password, '192.0.2.77')).statusCode,
    200,
    'the owner, from another address, is not refused',
  );
});

t.test('many addresses guessing one account: each that failed waits, a new address still gets in', async (t) => {
  const { email } = await registered();
  for (let i = 0; i < 50; i++) await login(email, `wrong password ${i}`, `198.51.101.${i}`);
  t.equal((await login(email, password, '198.51.101.3')).statusCode, 429, 'an address that guessed');
  t.equal((await login(email, password, '192.0.2.78')).statusCode, 200, 'an address that never failed');
});

t.test('one address failing on many accounts is blocked too', async (t) => {
  const ip = '203.0.113.50';
  for (let i = 0; i < 20; i++) await login(newEmail(), 'whatever password', ip);
  const { email } = await registered();
  t.equal((await login(email, password, ip)).statusCode, 429);
  t.equal((await login(email, password, '203.0.113.51')).statusCode, 200, 'another address is not');
});

t.test('refresh rotates; replaying a spent token revokes the whole login', async (t) => {
  const { email } = await registered();
  const first = (await login(email)).json<{ refreshToken: string }>().refreshToken;
  const rotated = await refresh(first);
  t.equal(rotated.statusCode, 200);
  const second = rotated.json<{ refreshToken: string; accessToken: string }>().refreshToken;
  t.not(second, first);

  const replay = await refresh(first);
  t.equal(replay.statusCode, 401, 'the spent token is refused');
  t.match(replay.json(), { error: { message: /already used/ } });
  t.equal((await refresh(second)).statusCode, 401, 'and so is the newest one of its family');
  t.equal((await refresh('made-up-token')).statusCode, 401);
});

t.test('logout ends the login', async (t) => {
  const { email } = await registered();
  const { refreshToken } = (await login(email)).json<{ refreshToken: string }>();
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken } })).statusCode, 204);
  t.equal((await refresh(refreshToken)).statusCode, 401);
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: 'unknown' } })).statusCode,
    204,
    'logging out twice is fine',
  );
});

t.test('the first admin exists with the admin role', async (t) => {
  const response = await login('admin@example.com', 'an admin password');
  t.equal(response.statusCode, 200);
  t.same(response.json<{ user: { roles: string[] } }>().user.roles, ['user', 'admin']);
});

t.test('registration retried with the same Idempotency-Key creates one account', async (t) => {
  const key = randomUUID();
  const payload = { email: newEmail(), password, displayName: 'Ana', consent };
  const send = () =>
    app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'idempotency-key': key }, payload });
  const first = await send();
  const retry = await send();
  t.equal(first.statusCode, 201);
  t.equal(retry.statusCode, 201);
  t.same(retry.json(), first.json());
  t.equal(retry.headers['idempotent-replayed'], 'true');
  const stored = await db
    .selectFrom('idempotency_keys')
    .select('request_hash')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  t.notMatch(stored.request_hash, password, 'the password is not part of what is stored');
  const other = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    headers: { 'idempotency-key': key },
    payload: { ...payload, email: newEmail() },
  });
  t.equal(other.statusCode, 422);
});

t.test(
  'a taken email retried with the same Idempotency-Key gets its first answer replayed, as a new one does',
  async (t) => {
    const { email } = await registered();
    const payload = { email, password: 'another long secret', displayName: 'Eve', consent };
    const send = (key: string, body: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/v1/auth/register', headers: { 'idempotency-key': key }, payload: body });
    const fresh = { ...payload, email: newEmail() };
    const freshKey = randomUUID();
    const [newFirst, newRetry] = [await send(freshKey, fresh), await send(freshKey, fresh)];
    const takenKey = randomUUID();
    const [takenFirst, takenRetry] = [await send(takenKey, payload), await send(takenKey, payload)];
    sameShape(t, takenFirst, newFirst);
    sameShape(t, takenRetry, newRetry);
    t.equal(takenRetry.headers['idempotent-replayed'], 'true');
    t.same(takenRetry.json(), takenFirst.json(), 'the same id again, as for a new account');
    const attempts = await db
      .selectFrom('events')
      .select('event_id')
      .where('type', '=', 'RegistrationAttempted')
      .where('stream_id', '=', `user-${(await login(email)).json<{ user: { id: string } }>().user.id}`)
      .execute();
    t.equal(attempts.length, 1, 'one attempt recorded: the retry caused nothing');
  },
);
