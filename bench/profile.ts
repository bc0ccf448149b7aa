// bench/profile: where a request's time goes. Serves the cached read routes or the command
// routes (bench/serve-clustered.ts, one process) under `node --cpu-prof`, loads them for
// BENCH_SECONDS, and prints the functions that took the most CPU time, by self time and by
// package, and the CPU time each request cost the server's process and PostgreSQL, read from
// /proc around the measured load (BENCH_CPU_PROFILE=false: that figure alone, without the
// profiler's own cost). The server prints its collector's pauses as it stops.
//   BENCH_KIND=reads BENCH_ROUTE=/v1/me npm run bench:profile   (bench/queries' database: run it once first)
//   BENCH_KIND=commands BENCH_RATE=150 npm run bench:profile     (create-entry at that rate, on a fresh database)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { Type } from '@sinclair/typebox';
import { createAccessTokens } from '@mindflow/core/auth';
import { readEnv, withDatabase } from '@mindflow/core/config';
import { connectPostgres } from '@mindflow/core/postgres';
import { migrateToLatest } from '@mindflow/migrations';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { testEngines } from '@mindflow/core/testing';
import { keptDatabase } from './kept-database.js';
import { registerWriters } from './writers.js';
import { benchSecret } from './read-server.js';

const env = readEnv(
  Type.Object({
    BENCH_USERS: Type.Integer({ minimum: 10, default: 1_000 }),
    BENCH_DAYS: Type.Integer({ minimum: 30, default: 365 }),
    BENCH_SECONDS: Type.Integer({ minimum: 1, default: 5 }),
    BENCH_ROUTE: Type.String({ default: '/v1/me' }),
    BENCH_KIND: Type.Union([Type.Literal('reads'), Type.Literal('commands')], { default: 'reads' }),
    BENCH_RATE: Type.Integer({ minimum: 1, default: 150 }),
    BENCH_CPU_PROFILE: Type.Boolean({ default: true }),
  }),
  process.env,
);
const engines = testEngines();
// Commands: a fresh write database, dropped at the end. Reads: bench/queries' kept one.
const fresh = `bench_${randomUUID().slice(0, 8)}`;
const url =
  env.BENCH_KIND === 'reads'
    ? await keptDatabase(`mindflow_bench_reads_${String(env.BENCH_USERS)}x${String(env.BENCH_DAYS)}`)
    : withDatabase(engines.databases.write, fresh);
const admin = new pg.Client({ connectionString: engines.databases.write });
await admin.connect();
if (env.BENCH_KIND === 'commands') {
  await admin.query(`create database ${fresh}`);
  const postgres = connectPostgres('bench', url, 2);
  await migrateToLatest(postgres.db, 'write');
  await postgres.close();
}
const profiles = await mkdtemp(path.join(tmpdir(), 'mindflow-profile-'));
const port = 30_000 + Math.floor(Math.random() * 20_000);
const server = spawn(
  process.execPath,
  [
    ...(env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []),
    '--import=tsx',
    '--conditions=mindflow-source',
    path.join(import.meta.dirname, 'serve-clustered.ts'),
  ],
  {
    env: {
      ...process.env,
      BENCH_SERVER: JSON.stringify({ kind: env.BENCH_KIND, url, redis: engines.redis, port }),
      BENCH_WORKERS: '1',
      BENCH_COLLECTIONS: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let output = '';
for await (const chunk of server.stdout) {
  output += String(chunk);
  if (output.includes('serving')) break;
}

/** A child bench script fed a JSON job on stdin; its JSON answer. */
async function child<T>(script: string, job: unknown): Promise<T> {
  const run = spawn(process.execPath, ['--import=tsx', path.join(import.meta.dirname, script)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  run.stdin.end(JSON.stringify(job));
  return JSON.parse(await text(run.stdout)) as T;
}
let figures: string;
let cpu = '';
if (env.BENCH_KIND === 'reads') {
  const tokens = createAccessTokens(benchSecret, 3_600);
  const userId = (u: number) => `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;
  const targets: { path: string; headers: Record<string, string> }[] = [];
  for (let u = 1; u <= env.BENCH_USERS; u++)
    targets.push({
      path: env.BENCH_ROUTE,
      headers: { authorization: `Bearer ${await tokens.issue({ userId: userId(u), sessionId: userId(u) })}` },
    });
  const load = (seconds: number) =>
    child<{ rps: number; p99: number; non2xx: number; errors: number }>('query-load.ts', {
      port,
      seconds,
      connections: 32,
      targets,
    });
  await load(2); // warm the cache
  const before = await cpuNow(server.pid);
  const measured = await load(env.BENCH_SECONDS);
  cpu = cpuPerRequest(before, await cpuNow(server.pid), measured.rps * env.BENCH_SECONDS);
  // A profile of failed requests (an empty database: bench/queries not run first) says nothing of the route.
  if (measured.non2xx + measured.errors > 0) {
    server.kill('SIGINT');
    throw new Error(
      `${String(measured.non2xx + measured.errors)} requests failed: is the database seeded? Run bench/queries with BENCH_USERS=${String(env.BENCH_USERS)} BENCH_DAYS=${String(env.BENCH_DAYS)} first`,
    );
  }
  figures = `${env.BENCH_ROUTE}: ${measured.rps.toFixed(0)} req/s, p99 ${String(measured.p99)} ms`;
} else {
  const tokens = await registerWriters(port, 200);
  const before = await cpuNow(server.pid);
  const measured = await child<{ achieved: number; p50: number; p99: number; failures: number }>('load-generator.ts', {
    port,
    rate: env.BENCH_RATE,
    seconds: env.BENCH_SECONDS,
    tokens,
    firstDay: 0,
  });
  cpu = cpuPerRequest(before, await cpuNow(server.pid), measured.achieved * env.BENCH_SECONDS);
  figures = `POST /v1/entries @ ${String(env.BENCH_RATE)}/s: ${measured.achieved.toFixed(0)}/s done, p50 ${measured.p50.toFixed(1)} ms, p99 ${measured.p99.toFixed(1)} ms, failures ${String(measured.failures)}`;
}
server.kill('SIGINT');
await once(server, 'exit');
if (env.BENCH_KIND === 'commands') await admin.query(`drop database ${fresh} with (force)`);
await admin.end();
console.log(`${figures}, one process${env.BENCH_CPU_PROFILE ? ' (profiled)' : ''}; CPU per request: ${cpu}`);
if (!env.BENCH_CPU_PROFILE) process.exit(0);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = (await readdir(profiles)).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error('no profile written');
const profile = JSON.parse(await readFile(path.join(profiles, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const time = self.get(node.id) ?? 0;
  const { functionName, url: source, lineNumber } = node.callFrame;
  const where = source
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/work\/[^/]+\//, '');
  const name = `${functionName || '(anonymous)'} ${where}:${String(lineNumber + 1)}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  const pkg =
    source === ''
      ? functionName.startsWith('(')
        ? functionName
        : '(native)'
      : source.startsWith('node:')
        ? source
        : source.includes('node_modules/')
          ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? source)
          : `mindflow ${source
              .replace(/^.*\/work\/[^/]+\//, '')
              .split('/')
              .slice(0, 2)
              .join('/')}`;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
}
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, time]) => `  ${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
console.log("(the profile spans the server's whole life, start-up included)");
console.log(`\nby package (self time):\n${top(byPackage, 20)}`);
console.log(`\nby function (self time):\n${top(byFunction, 25)}`);

/** CPU seconds so far of the server's process and of every PostgreSQL process (Linux /proc). */
async function cpuNow(pid: number | undefined): Promise<{ server: number; postgres: number }> {
  const ticks = 100; // USER_HZ
  const used = async (dir: string) => {
    const stat = await readFile(path.join('/proc', dir, 'stat'), 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) return { name: '', seconds: 0 };
    const fields = stat.slice(close + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, close),
      seconds: (Number(fields[11]) + Number(fields[12])) / ticks,
    };
  };
  let postgres = 0;
  for (const dir of await readdir('/proc')) {
    if (!/^\d+$/.test(dir)) continue;
    const { name, seconds } = await used(dir);
    if (name === 'postgres') postgres += seconds;
  }
  return { server: pid === undefined ? Number.NaN : (await used(String(pid))).seconds, postgres };
}

function cpuPerRequest(
  before: { server: number; postgres: number },
  after: { server: number; postgres: number },
  requests: number,
): string {
  const ms = (seconds: number) => ((1000 * seconds) / requests).toFixed(2);
  return `server ${ms(after.server - before.server)} ms, PostgreSQL ${ms(after.postgres - before.postgres)} ms`;
}
