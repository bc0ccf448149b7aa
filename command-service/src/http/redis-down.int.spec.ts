import { randomUUID } from 'node:crypto';
import type { RedisConfig } from '@mindflow/core/config';
import { deadRedises, timed } from '@mindflow/core/testing';
import type { InjectOptions } from 'fastify';
import t, { type Test } from 'tap';
import { commandServiceForTest } from '../testing.js';

// Redis is down: commands still answer, within their normal latency plus Redis's timeout, never
// with a 5xx; the rate limits and the login throttle stay enforced (in process).
const timeoutMs = 200;
const budgetMs = timeoutMs + 500;
const perIp = 30;
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const password = 'correct horse battery';

/** A request's answer, or undefined when it did not come within 10 s. */
interface Answer {
  readonly status: number | undefined;
  readonly ms: number;
  readonly what: string;
}

async function scenario(t: Test, redis: RedisConfig | undefined): Promise<Answer[]> {
  const service = await commandServiceForTest(
    {},
    { windowSeconds: 60, perIp, perUser: 1_000, perStaff: 1_000 },
    redis === undefined ? {} : { redis },
  );
  t.teardown(service.close);
  const answers: Answer[] = [];
  const send = async (what: string, request: InjectOptions) => {
    const { value, ms } = await timed(() => service.app.inject(request), 10_000);
    answers.push({ status: value?.statusCode, ms, what });
    return value;
  };
  const email = `${randomUUID()}@example.com`;
  await send('register', {
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, displayName: 'R', consent },
  });
  const login = await send('login', { method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  const token = login?.statusCode === 200 ? login.json<{ accessToken: string }>().accessToken : 'none';
  for (let day = 1; day <= 3; day++) {
    await send('post entry', {
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${token}` },
      payload: { date: `2024-02-0${String(day)}`, title: 'Degraded', content: 'Redis is away today' },
    });
  }
  // The login throttle: five failures, then even the right password waits.
  for (let i = 0; i < 5; i++) {
    await send('failed login', { method: 'POST', url: '/v1/auth/login', payload: { email, password: `wrong ${i}` } });
  }
  await send('throttled login', { method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  // The IP budget: anonymous requests until it is spent.
  for (let i = answers.length; i <= perIp; i++) {
    await send('anonymous', { method: 'POST', url: '/v1/auth/login', payload: { email: 'x' } });
  }
  return answers;
}

const baseline = await (async () => {
  const answers = await scenario(t, undefined);
  return (what: string) => Math.max(...answers.filter((answer) => answer.what === what).map((answer) => answer.ms));
})();

const downs = deadRedises(timeoutMs);

for (const down of downs) {
  t.test(`Redis ${down.name}: commands answer in time, throttles hold`, async (t) => {
    const redis = await down.open();
    t.teardown(redis.close);
    const answers = await scenario(t, redis.config);
    const slowest = answers.reduce((worst, answer) => (answer.ms > worst.ms ? answer : worst));
    t.comment(`slowest: ${slowest.what} ${String(slowest.ms)} ms (baseline ${String(baseline(slowest.what))} ms)`);
    const late = answers.filter(
      (answer) => answer.status === undefined || answer.ms > baseline(answer.what) + budgetMs,
    );
    t.same(late, [], `every answer within its normal latency + ${String(budgetMs)} ms`);
    t.same(
      answers.filter((answer) => answer.status === undefined || answer.status >= 500),
      [],
      'no 5xx',
    );
    const status = (what: string) => answers.filter((answer) => answer.what === what).map((answer) => answer.status);
    t.same(status('login'), [200]);
    t.same(status('post entry'), [201, 201, 201]);
    t.same(status('failed login'), [401, 401, 401, 401, 401]);
    t.same(status('throttled login'), [429], 'the login throttle holds: fail closed');
    t.equal(answers.at(-1)?.status, 429, `the IP budget of ${String(perIp)} holds`);
    t.equal(answers.filter((answer) => answer.status === 429).length, 2, 'and not before it is spent');
  });
}
