import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres, openEmbeddedPostgres } from '@mindflow/core/postgres';
import { sql } from 'kysely';
import { freePort } from '@mindflow/core/net';

// The embedded platform, as `npm start` runs it: no engine URLs at all.
const main = path.resolve(import.meta.dirname, 'main.ts');
const nodeArgs = ['--import=tsx', '--conditions=mindflow-source', main];

function embeddedEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MINDFLOW_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_FORMAT: 'json',
  };
}

function start(env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
}

/** The platform's /readyz report once it is ready; on a time-out, the error ends with the platform's output. */
async function ready(port: number, platform: { output: () => string }) {
  let last = 'no answer';
  const report = waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (response === undefined) return undefined;
      if (response.status === 200) return (await response.json()) as { checks: { name: string; ok: boolean }[] };
      last = `${response.status} ${await response.text()}`;
      return undefined;
    },
    90_000,
    '/readyz',
  );
  return report.catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (last: ${last})\n${platform.output().slice(-3000)}`);
  });
}

t.test('mindflow start runs the whole platform on embedded PostgreSQL, status sees it, SIGTERM stops it', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mindflow-e2e-'));
  await chmod(dataDir, 0o755);
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = embeddedEnv(dataDir, port);

  const platform = start(env);
  t.teardown(() => platform.kill('SIGKILL'));
  const report = await ready(port, platform);
  t.same(
    report.checks.map((check) => [check.name, check.ok]),
    [
      ['postgres:write', true],
      ['postgres:read', true],
      ['postgres:analytics', true],
      ['projection:read-model', true],
      ['projection:analytics', true],
      ['projection:cache', true],
      ['projection:audit', true],
      ['projection:mail', true],
      ['projection:notifier', true],
      ['projection:live', true],
      ['projection:ai-worker', true],
      ['projection:thumbnails', true],
    ],
  );
  for (const route of ['/healthz', '/openapi.json', '/docs/', '/metrics']) {
    t.equal((await fetch(`http://127.0.0.1:${port}${route}`)).status, 200, route);
  }
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.match(metrics, /mindflow_audit_dropped_total\{collection="api_requests"\} 0/, 'no request record lost');
  t.match(
    metrics,
    /mindflow_audit_dropped_total\{collection="application_logs"\} 0/,
    'no log line lost, even those written before the first start migrated the audit tables',
  );

  const status = spawnSync(process.execPath, [...nodeArgs, 'status', '--json'], { env, encoding: 'utf8' });
  t.equal(status.status, 0, 'status exits 0 when all is well');
  const parsed = JSON.parse(status.stdout) as {
    adapters: { port: string; adapter: string }[];
    migrations: { database: string; pending: string[] }[];
    analytics: { strategy: string; partitions: { table: string; months: string[] }[] };
    audit: { adapter: string; ttl: boolean; textIndex: boolean; paths: string };
  };
  t.match(parsed.adapters, [{ port: 'databases', adapter: 'embedded PostgreSQL' }]);
  t.same(
    parsed.migrations.map((m) => [m.database, m.pending]),
    [
      ['write', []],
      ['read', []],
      ['analytics', []],
    ],
    'start applied every migration',
  );
  t.equal(parsed.analytics.strategy, 'partitions', 'embedded PostgreSQL has no TimescaleDB: native partitions');
  t.ok(
    parsed.analytics.partitions.every((p) => p.months.length >= 4),
    'the projector created this month and the next three',
  );
  t.match(parsed.audit, { adapter: 'postgres', ttl: false, textIndex: true, paths: /retention sweeper/ });

  // The command routes are mounted, and the CLI manages roles in the same embedded database.
  const email = 'writer@example.com';
  const registered = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email,
      password: 'correct horse battery',
      displayName: 'Writer',
      consent: { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false },
    }),
  });
  t.equal(registered.status, 201);
  // The same email again is answered alike; its owner is told by email, into the outbox (no SMTP_URL).
  const taken = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'WRITER@example.com',
      password: 'another long secret',
      displayName: 'Eve',
      consent: { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false },
    }),
  });
  t.equal(taken.status, 201);
  t.same(Object.keys((await taken.json()) as object).sort(), ['id', 'position', 'version']);
  const outbox = path.join(dataDir, 'outbox');
  const notices = await waitFor(
    async () => {
      // A mail is written beside its name (.partial), then renamed: only a whole one counts.
      const files = (await readdir(outbox).catch(() => [])).filter((file) => !file.endsWith('.partial'));
      return files.length > 0 ? files : undefined;
    },
    30_000,
    'the email in the outbox',
  );
  t.equal(notices.length, 1, 'one email');
  t.equal((await stat(outbox)).mode & 0o777, 0o700);
  t.equal((await stat(path.join(outbox, notices[0] ?? ''))).mode & 0o777, 0o600);
  t.match(await readFile(path.join(outbox, notices[0] ?? ''), 'utf8'), /^To: writer@example\.com$/m);
  // The line is logged once the file is written, and reaches this process through a pipe: a moment later.
  const where = '"msg":"email written to the outbox (SMTP_URL is unset)"';
  await waitFor(async () => (platform.output().includes(where) ? true : undefined), 5_000, 'the log line').catch(
    () => undefined,
  );
  t.ok(platform.output().includes(where), 'the log says where');
  // The read routes share the port: a login, an entry, and the entry read back at its position.
  const base = `http://127.0.0.1:${port}`;
  const json = { 'content-type': 'application/json' };
  const login = (await (
    await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    })
  ).json()) as { accessToken: string };
  const authorization = `Bearer ${login.accessToken}`;
  const created = (await (
    await fetch(`${base}/v1/entries`, {
      method: 'POST',
      headers: { ...json, authorization },
      body: JSON.stringify({ date: '2026-11-22', title: 'Embedded', content: 'all in one', mood: 'happy' }),
    })
  ).json()) as { id: string; position: number };
  const read = await fetch(`${base}/v1/entries`, {
    headers: { authorization, 'x-min-position': String(created.position) },
  });
  t.equal(read.status, 200);
  t.match(await read.json(), { items: [{ id: created.id, title: 'Embedded' }] }, 'read your write, embedded');
  // The ai-worker runs in the same process: the entry is analyzed.
  const analysis = await waitFor(
    async () => {
      const response = await fetch(`${base}/v1/entries/${created.id}/analysis`, { headers: { authorization } });
      const body = (await response.json()) as { status: string; entryVersion: number | null };
      return body.status === 'completed' ? body : undefined;
    },
    15_000,
    'the analysis',
  );
  t.equal(analysis.entryVersion, 1, 'analyzed by the embedded ai-worker');
  const grant = spawnSync(process.execPath, [...nodeArgs, 'admin', 'grant', email, 'analyst'], {
    env,
    encoding: 'utf8',
  });
  t.equal(grant.status, 0, grant.stderr);
  t.match(grant.stdout, /roles: user, analyst/);
  const find = spawnSync(process.execPath, [...nodeArgs, 'admin', 'find', 'WRITER@example.com'], {
    env,
    encoding: 'utf8',
  });
  t.match(find.stdout, /writer@example\.com\s+Writer\s+roles: user, analyst/);
  const unknown = spawnSync(process.execPath, [...nodeArgs, 'admin', 'find', 'nobody@example.com'], {
    env,
    encoding: 'utf8',
  });
  t.equal(unknown.status, 1);

  // The audit trail of all this, embedded on PostgreSQL: exported by the CLI, its chain verified.
  const out = path.join(dataDir, 'audit.ndjson');
  const exported = await waitFor(
    async () => {
      const result = spawnSync(process.execPath, [...nodeArgs, 'audit', 'export', '--out', out], {
        env,
        encoding: 'utf8',
      });
      const lines = result.status === 0 ? (await readFile(out, 'utf8')).trim().split('\n') : [];
      const audited = ['ACCOUNT_CREATE', 'LOGIN', 'ENTRY_CREATE', 'ROLE_GRANTED'].every((action) =>
        lines.some((line) => line.includes(`"action":"${action}"`)),
      );
      return audited ? lines : undefined;
    },
    30_000,
    'registration, login, entry and grant in the audit trail',
  );
  t.notOk(exported.join('').includes('all in one'), 'no journal text in the audit trail');
  const verified = spawnSync(process.execPath, [...nodeArgs, 'audit', 'verify'], { env, encoding: 'utf8' });
  t.equal(verified.status, 0, verified.stdout);
  t.match(JSON.parse(verified.stdout), { ok: true, chains: 1 });
  // Rebuilt in place beside the live trail: it adds only what the trail lacks, and the chain
  // still verifies.
  const rebuilt = spawnSync(process.execPath, [...nodeArgs, 'projections', 'rebuild', 'audit'], {
    env,
    encoding: 'utf8',
  });
  t.equal(rebuilt.status, 0, rebuilt.stderr);
  t.match(
    rebuilt.stdout,
    /audit: \d+ events in [\d.]+ s, \d+ missing record\(s\) appended in place, \d+ dead letter\(s\) resolved, 0 failed again/,
  );
  const reverified = spawnSync(process.execPath, [...nodeArgs, 'audit', 'verify'], { env, encoding: 'utf8' });
  t.match(JSON.parse(reverified.stdout), { ok: true, chains: 1 });

  // Every request and log line went to the read database's api_requests and application_logs,
  // sanitized: no password, token or journal text.
  const embedded = await openEmbeddedPostgres(dataDir, createLogger({ level: 'silent', pretty: false }, 'test'));
  const logs = connectPostgres('read', embedded.urls.read, 1);
  const stored = await waitFor(
    async () => {
      const rows = await sql<{ path: string; method: string; status: number }>`
      select method, path, status from api_requests order by time`.execute(logs.db);
      return rows.rows.some((row) => row.path === '/v1/entries' && row.method === 'POST') ? rows.rows : undefined;
    },
    10_000,
    'the requests in api_requests',
  );
  t.ok(stored.some((row) => row.method === 'POST' && row.path === '/v1/auth/register' && row.status === 201));
  t.notOk(
    stored.some((row) => row.path === '/healthz'),
    'health probes are not logged',
  );
  const lines = await sql<{ n: number }>`select count(*)::int as n from application_logs`.execute(logs.db);
  t.ok((lines.rows[0]?.n ?? 0) > 0, 'log lines were shipped');
  const everything = await sql<{ dump: string }>`
    select (select coalesce(json_agg(r)::text, '') from api_requests r) ||
           (select coalesce(json_agg(l)::text, '') from application_logs l) as dump`.execute(logs.db);
  const dump = everything.rows[0]?.dump ?? '';
  for (const secret of ['correct horse battery', login.accessToken, 'all in one', 'Embedded']) {
    t.notOk(dump.includes(secret), 'no password, token or journal text is stored');
  }
  await logs.close();

  platform.kill('SIGTERM');
  t.equal(await exited(platform), 0, `a graceful shutdown exits 0\n${platform.output().slice(-3000)}`);
  t.match(platform.output(), /"msg":"shutting down"/);

  const again = start(env);
  t.teardown(() => again.kill('SIGKILL'));
  await ready(port, again);
  t.notMatch(again.output(), /initialising the embedded PostgreSQL/, 'the second start reuses the data');
  // Ready once its first worker serves: the others are still starting, and stop too.
  again.kill('SIGTERM');
  t.equal(await exited(again), 0, again.output().slice(-3000));
  t.notMatch(again.output(), /did not stop in time/, 'no worker waited for the kill at the end of the grace period');
});

t.test('a bad variable stops start at once, naming the variable', async (t) => {
  const result = spawnSync(process.execPath, [...nodeArgs, 'start'], {
    env: { ...embeddedEnv('/nonexistent', 0), PORT: 'eighty' },
    encoding: 'utf8',
  });
  t.equal(result.status, 2);
  t.match(result.stderr, /^Environment variable PORT is invalid/);
});

t.test('each service started alone without a database stops at once, naming the variable', async (t) => {
  for (const service of ['command-service', 'query-service', 'projector', 'ai-worker']) {
    const serviceMain = path.resolve(import.meta.dirname, '../..', service, 'src/main.ts');
    const result = spawnSync(process.execPath, ['--import=tsx', '--conditions=mindflow-source', serviceMain], {
      // Secrets given: the database is what is missing.
      env: { PATH: process.env.PATH, MINDFLOW_JWT_SECRET: 'x'.repeat(32) },
      encoding: 'utf8',
    });
    t.equal(result.status, 2, service);
    t.match(result.stderr, /^Environment variable WRITE_DATABASE_URL is required when a service runs alone/, service);
  }
  const query = spawnSync(
    process.execPath,
    [
      '--import=tsx',
      '--conditions=mindflow-source',
      path.resolve(import.meta.dirname, '../../query-service/src/main.ts'),
    ],
    { env: { PATH: process.env.PATH, WRITE_DATABASE_URL: 'postgres://127.0.0.1:1/x' }, encoding: 'utf8' },
  );
  t.equal(query.status, 2);
  t.match(
    query.stderr,
    /^Environment variable MINDFLOW_JWT_SECRET is required/,
    'the query-service needs the JWT secret',
  );
});

t.test('--help on every command', async (t) => {
  for (const args of [
    ['--help'],
    ['start', '--help'],
    ['status', '--help'],
    ['migrate', '--help'],
    ['admin', '--help'],
    ['admin', 'grant', '--help'],
  ]) {
    const result = spawnSync(process.execPath, [...nodeArgs, ...args], { encoding: 'utf8' });
    t.equal(result.status, 0, args.join(' '));
    t.match(result.stdout, /^Usage: mindflow/);
  }
});
