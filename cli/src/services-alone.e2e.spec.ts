import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@mindflow/core/net';
import { createTestDatabase, testEngines, waitFor } from '@mindflow/core/testing';
import t, { type Test } from 'tap';
import { callOnFreshConnection } from './testing/fresh-connection.js';

// The command-service and the query-service each started alone (their own `main`), as an
// operator runs them against the real engines, in two HTTP processes on one port: both
// answer, and what one worker counts the other sees (the counters are in Redis), so a
// caller's budget is one budget, not one per worker.
t.setTimeout(240_000);

const root = path.resolve(import.meta.dirname, '../..');
const perUser = 4;
const engines = testEngines();
const write = await createTestDatabase('write');
const read = await createTestDatabase('read');
const analytics = await createTestDatabase('analytics');
t.teardown(async () => {
  await Promise.all([write.drop(), read.drop(), analytics.drop()]);
});
const dataDir = await mkdtemp(path.join(tmpdir(), 'mindflow-services-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  MINDFLOW_DATA_DIR: dataDir,
  WRITE_DATABASE_URL: write.url,
  READ_DATABASE_URL: read.url,
  ANALYTICS_DATABASE_URL: analytics.url,
  REDIS_URL: engines.redis.url,
  MINDFLOW_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  MINDFLOW_JWT_SECRET: randomUUID() + randomUUID(),
  MINDFLOW_WORKERS: '2',
  // Other suites count against 127.0.0.1 in the same Redis meanwhile: the address's budget stays out of the way.
  RATE_LIMIT_PER_IP: '1000000',
  RATE_LIMIT_PER_USER: String(perUser),
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
};

const call = callOnFreshConnection;

/** `service`'s main in two workers on a free port, ready once both answer; stopped at the end of `t`. */
async function startAlone(t: Test, service: 'command-service' | 'query-service'): Promise<number> {
  const port = await freePort();
  let log = '';
  const child = spawn(
    process.execPath,
    ['--import=tsx', '--conditions=mindflow-source', path.join(root, service, 'src/main.ts')],
    { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-10_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // However this test ends, the service does not outlive it.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  t.teardown(async () => {
    process.off('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const late = setTimeout(kill, 30_000);
    await exited;
    clearTimeout(late);
  });
  const roles = new Set<string>();
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited (${String(child.exitCode)}):\n${log}`);
      const metrics = await call(port, 'GET', '/metrics').catch(() => undefined);
      for (const [, role] of metrics?.text.matchAll(/^mindflow_worker_info\{role="(\w+)"/gm) ?? [])
        if (role !== undefined) roles.add(role);
      if (roles.size === 2) return true;
      await sleep(100);
      return undefined;
    },
    90_000,
    `${service}: both workers answering`,
  );
  return port;
}

const commands = await startAlone(t, 'command-service');
const queries = await startAlone(t, 'query-service');

t.test('each service alone names both its workers in one scrape of /metrics', async (t) => {
  for (const [service, port] of [
    ['command-service', commands],
    ['query-service', queries],
  ] as const) {
    const { text } = await call(port, 'GET', '/metrics');
    const named = [...text.matchAll(/^mindflow_worker_info\{role="(\w+)"/gm)].map(([, role]) => role).sort();
    t.same(named, ['follower', 'leader'], service);
  }
});

t.test("a writer's budget is one across each service's workers (Redis counts for both)", async (t) => {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const registered = await call(commands, 'POST', '/v1/auth/register', undefined, {
    email,
    password,
    displayName: 'Writer',
    timezone: 'UTC',
    consent,
  });
  t.equal(registered.status, 201, 'registered');
  const login = await call(commands, 'POST', '/v1/auth/login', undefined, { email, password });
  const token = String(login.json.accessToken);

  const written: number[] = [];
  for (let day = 1; day <= 2 * perUser; day += 1) {
    const answer = await call(commands, 'POST', '/v1/entries', token, {
      date: `2026-01-${String(day).padStart(2, '0')}`,
      title: `Day ${String(day)}`,
      content: 'words',
    });
    written.push(answer.status);
  }
  t.same(
    written,
    [...Array<number>(perUser).fill(201), ...Array<number>(perUser).fill(429)],
    `commands: ${String(perUser)} written, then 429 from either worker`,
  );

  const reads: number[] = [];
  for (let sent = 0; sent < 2 * perUser; sent += 1)
    reads.push((await call(queries, 'GET', '/v1/entries', token)).status);
  t.same(
    reads,
    [...Array<number>(perUser).fill(200), ...Array<number>(perUser).fill(429)],
    `reads: ${String(perUser)} answered, then 429 from either worker`,
  );
});
