import type { LightMyRequestResponse } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { commandServiceForTest } from '../testing.js';

const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const password = 'correct horse battery';

/** Registers and signs in a writer (two requests from the test's address); their login's answer, and a poster. */
async function signUp({ app }: Awaited<ReturnType<typeof commandServiceForTest>>, email: string) {
  const registered = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'L', consent },
  });
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
  const post = (day: number) =>
    app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers,
      payload: { date: `2024-01-0${String(day)}`, title: 'Limited', content: 'a few words' },
    });
  return { registered, login, post };
}

/** Status, RateLimit-Limit and RateLimit-Remaining of an answer. */
const budgetOf = (response: LightMyRequestResponse) => [
  response.statusCode,
  response.headers['ratelimit-limit'],
  response.headers['ratelimit-remaining'],
];

t.test('commands have rate limits of their own: per IP, then per writer; 429 with Retry-After', async (t) => {
  const service = await commandServiceForTest({}, { windowSeconds: 60, perIp: 6, perUser: 2, perStaff: 4 });
  t.teardown(service.close);
  const email = 'limited@example.com';
  const { registered, post } = await signUp(service, email);
  t.equal(registered.statusCode, 201);
  t.same([(await post(1)).statusCode, (await post(2)).statusCode], [201, 201], "the writer's budget of 2");
  const over = await post(3);
  t.equal(over.statusCode, 429);
  t.equal(over.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  t.ok(Number(over.headers['retry-after']) > 0);
  // register, login and three posts: 5 from this address; the 6th passes, the 7th does not.
  const login = () => service.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  t.equal((await login()).statusCode, 200);
  t.equal((await login()).statusCode, 429, 'anonymous requests share the IP budget');
});

t.test('the RateLimit headers are those of the budget nearest its end, the address or the writer', async (t) => {
  const service = await commandServiceForTest({}, { windowSeconds: 60, perIp: 5, perUser: 4, perStaff: 4 });
  t.teardown(service.close);
  const { login, post } = await signUp(service, 'nearest@example.com');
  t.same(budgetOf(login), [200, '5', '3'], 'anonymous: the address');
  // The address has 2 left of 5 (register, login, this post), the writer 3 of 4.
  t.same(budgetOf(await post(1)), [201, '5', '2']);
  t.same(budgetOf(await post(2)), [201, '5', '1'], 'the address has 1 left, the writer 2');
  t.same(budgetOf(await post(3)), [201, '5', '0']);
  const over = await post(4);
  t.same(budgetOf(over), [429, '5', '0']);
  t.equal(over.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
  t.ok(Number(over.headers['retry-after']) > 0, 'Retry-After');
});

t.test('both budgets spent: Retry-After waits for the one that resets last', async (t) => {
  const service = await commandServiceForTest({}, { windowSeconds: 60, perIp: 3, perUser: 1, perStaff: 1 });
  t.teardown(service.close);
  const { post } = await signUp(service, 'both@example.com');
  // The address's window began with the sign-up; the writer's begins with their first post.
  await sleep(1_200);
  t.equal((await post(1)).statusCode, 201);
  const over = await post(2);
  t.same(budgetOf(over), [429, '1', '0'], 'the writer speaks: their window ends last');
  t.equal(over.headers['retry-after'], '60', 'a full window from their first post');
  t.equal(over.headers['ratelimit-reset'], '60');
});

t.test(
  'every answer of a limited route carries its budget, whatever its status, and /openapi.json says so',
  async (t) => {
    const service = await commandServiceForTest({}, { windowSeconds: 60, perIp: 100, perUser: 3, perStaff: 4 });
    t.teardown(service.close);
    const { login, post } = await signUp(service, 'budgets@example.com');
    // The writer's budget of 3: a created entry, a refused one and a missing one; the fourth is over.
    const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
    const answers = {
      created: await post(1),
      invalid: await service.app.inject({ method: 'POST', url: '/v1/entries', headers, payload: { date: 'soon' } }),
      unauthenticated: await service.app.inject({
        method: 'POST',
        url: '/v1/entries',
        payload: { date: '2024-01-02', title: 'Anyone?', content: 'no token' },
      }),
      missing: await service.app.inject({
        method: 'DELETE',
        url: '/v1/entries/00000000-0000-4000-8000-000000000000',
        headers,
      }),
      limited: await post(2),
    };
    t.same(
      Object.values(answers).map((answer) => answer.statusCode),
      [201, 400, 401, 404, 429],
    );
    for (const [what, answer] of Object.entries(answers)) {
      for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
        t.match(answer.headers[name], /^\d+$/, `${what}: ${name}`);
    }

    interface Operation {
      responses: Record<string, { headers?: Record<string, { schema?: { type?: string } }> }>;
    }
    const document = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const operation = document.paths['/v1/entries']?.post;
    for (const status of ['201', '400', '401', '429']) {
      const documented = operation?.responses[status]?.headers ?? {};
      for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
        t.equal(documented[name]?.schema?.type, 'integer', `POST /v1/entries ${status} documents ${name}`);
    }
    t.equal(
      operation?.responses['429']?.headers?.['retry-after']?.schema?.type,
      'integer',
      'and a 429 documents Retry-After',
    );
  },
);
