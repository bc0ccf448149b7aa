import t from 'tap';
import { commandServiceForTest } from '../testing.js';

t.test('commands have rate limits of their own: per IP, then per writer; 429 with Retry-After', async (t) => {
  const service = await commandServiceForTest({}, { windowSeconds: 60, perIp: 6, perUser: 2, perStaff: 4 });
  t.teardown(service.close);
  const { app } = service;
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const email = 'limited@example.com';
  const password = 'correct horse battery';
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email, password, displayName: 'L', consent },
      })
    ).statusCode,
    201,
  );
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
  const post = (day: number) =>
    app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers,
      payload: { date: `2024-01-0${String(day)}`, title: 'Limited', content: 'a few words' },
    });
  t.same([(await post(1)).statusCode, (await post(2)).statusCode], [201, 201], "the writer's budget of 2");
  const over = await post(3);
  t.equal(over.statusCode, 429);
  t.equal(over.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  t.ok(Number(over.headers['retry-after']) > 0);
  // register, login and three posts: 5 from this address; the 6th passes, the 7th does not.
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).statusCode, 200);
  const blocked = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  t.equal(blocked.statusCode, 429, 'anonymous requests share the IP budget');
});
