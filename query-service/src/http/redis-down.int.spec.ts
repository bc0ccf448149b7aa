import { deadRedises, timed } from '@mindflow/core/testing';
import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';

// Redis is down: cached reads skip the cache and answer from the read model, within their
// normal latency plus Redis's timeout, never with a 5xx; the per-user rate limit holds.
const timeoutMs = 200;
const budgetMs = timeoutMs + 500;
const perUser = 24;
const routes = ['/v1/entries', '/v1/me', '/v1/moods/trend?days=7'];

const downs = deadRedises(timeoutMs);

for (const down of downs) {
  t.test(`Redis ${down.name}: cached reads answer from the read model in time; the rate limit holds`, async (t) => {
    const redis = await down.open();
    t.teardown(redis.close);
    const platform = await queryServiceForTest({
      readsRedis: redis.config,
      reads: { rateLimits: { windowSeconds: 60, perIp: 100_000, perUser, perStaff: 100_000 } },
    });
    t.teardown(platform.close);
    const [writer] = await testWriters(platform.app, 1);
    if (writer === undefined) throw new Error('no writer');
    const written = await writer.write({ date: '2024-03-01', title: 'Cache-less day', mood: 'happy' });
    const answers: { url: string; status: number | undefined; ms: number; body: string }[] = [];
    for (let i = 0; answers.length <= perUser; i++) {
      const url = routes[i % routes.length] ?? '/v1/entries';
      const { value, ms } = await timed(() => writer.get(url, { 'x-min-position': String(written.position) }), 10_000);
      answers.push({ url, status: value?.statusCode, ms, body: value?.body ?? '' });
    }
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    t.comment(`slowest read: ${String(slowest)} ms`);
    t.same(
      answers.filter((answer) => answer.status === undefined || answer.status >= 500),
      [],
      'no 5xx',
    );
    t.same(
      answers.filter((answer) => answer.ms > budgetMs),
      [],
      `every read within ${String(budgetMs)} ms`,
    );
    t.same(
      answers.slice(0, perUser).map((answer) => answer.status),
      Array.from({ length: perUser }, () => 200),
      'every read within the budget answers',
    );
    t.match(answers[0]?.body ?? '', /Cache-less day/, 'from the read model');
    t.equal(answers.at(-1)?.status, 429, `the per-user budget of ${String(perUser)} holds`);
  });
}
