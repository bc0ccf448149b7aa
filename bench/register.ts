// bench/register: how long POST /v1/auth/register takes for a new email and for a taken one,
// interleaved in one run, so that the time does not tell a stranger which it was.
//   npm run bench:register        (needs WRITE_DATABASE_URL; npm test's engines will do)
import { randomUUID } from 'node:crypto';
import { commandServiceForTest } from '@mindflow/command-service/testing';

const rounds = Number(process.env.BENCH_ROUNDS ?? 60);
const service = await commandServiceForTest();
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const register = async (email: string) => {
  const started = process.hrtime.bigint();
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: 'a long enough secret', displayName: 'Bench', consent },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode !== 201) throw new Error(`register: ${response.statusCode} ${response.body}`);
  return ms;
};

// Accounts whose emails are then taken; a warm-up of both paths first.
const owners = Array.from({ length: rounds }, () => `${randomUUID()}@example.com`);
for (const email of owners) await register(email);
const fresh: number[] = [];
const taken: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate which goes first, so that neither always follows the other.
  const pair = [() => register(`${randomUUID()}@example.com`), () => register(owners[i] ?? '')] as const;
  if (i % 2 === 0) {
    fresh.push(await pair[0]());
    taken.push(await pair[1]());
  } else {
    taken.push(await pair[1]());
    fresh.push(await pair[0]());
  }
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const row = (name: string, values: readonly number[]) =>
  `${name.padEnd(12)} p50 ${quantile(values, 0.5).toFixed(1)} ms  p90 ${quantile(values, 0.9).toFixed(1)} ms  mean ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)} ms`;
process.stdout.write(`${rounds} registrations of each, interleaved\n`);
process.stdout.write(`${row('new email', fresh)}\n${row('taken email', taken)}\n`);
process.stdout.write(`p50 ratio taken/new: ${(quantile(taken, 0.5) / quantile(fresh, 0.5)).toFixed(2)}\n`);
await service.close();
