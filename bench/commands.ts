// bench/commands: create-entry commands over HTTP under open-loop load, in one process and in
// BENCH_WORKERS processes on one port (default: one per core), next to pgbench running the
// equivalent SQL transaction on the same PostgreSQL, and raw event-store appends.
//   npm run bench:commands        (needs WRITE_DATABASE_URL; npm test's engines will do)
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { readEnv, withDatabase } from '@mindflow/core/config';
import { appendToStream, newEventId, type EventStoreTables } from '@mindflow/core/eventstore';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { migrateToLatest } from '@mindflow/migrations';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { writeDatabase } from '@mindflow/core/write-model';
import { startClustered } from './clustered.js';
import { commandServer } from './command-server.js';
import { registerWriters } from './writers.js';

const env = readEnv(
  Type.Object({
    WRITE_DATABASE_URL: Type.String({ pattern: '^postgres', description: 'the PostgreSQL server to measure' }),
    BENCH_SECONDS: Type.Integer({ minimum: 1, default: 5, description: 'seconds per load step' }),
    BENCH_WORKERS: Type.Integer({
      minimum: 1,
      default: availableParallelism(),
      description: 'processes of the clustered run',
    }),
  }),
  process.env,
);
const stepSeconds = env.BENCH_SECONDS;
const users = 200;

// ── setup: a fresh database, the command service on a real port, signed-in users ───────────
const name = `bench_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: env.WRITE_DATABASE_URL });
await admin.connect();
await admin.query(`create database ${name}`);
const url = withDatabase(env.WRITE_DATABASE_URL, name);
const postgres = connectPostgres('bench', url, 20);
const db = writeDatabase(postgres.db);
await migrateToLatest(db, 'write');
const logger = createLogger({ level: 'warn', pretty: false }, 'bench');
const app = await commandServer(db, logger);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
const tokens = await registerWriters(port, users);

// ── open-loop load from a separate process (bench/load-generator.ts), so that the generator
// does not share the server's event loop: requests leave on schedule whatever the answers,
// and latency counts from the schedule.
let nextDay = 0;
interface Step {
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  failures: number;
}
function openLoop(target: number, rate: number, seconds: number): Promise<Step> {
  const job = { port: target, rate, seconds, tokens, firstDay: nextDay };
  nextDay += rate * seconds;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', path.join(import.meta.dirname, 'load-generator.ts')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${String(code)}`));
      else resolve({ rate, ...(JSON.parse(output) as Omit<Step, 'rate'>) });
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** The highest rate of the ladder that holds p99 < 50 ms without a failure, against `target`. */
async function ladder(target: number, label: string): Promise<Step | undefined> {
  await openLoop(target, 50, 2); // warm-up
  let best: Step | undefined;
  for (const rate of [50, 100, 200, 300, 350, 400, 500, 600, 800]) {
    const step = await openLoop(target, rate, stepSeconds);
    steps.push({ label, ...step });
    console.log(
      `${label}: create-entry @ ${rate}/s: ${step.achieved.toFixed(0)}/s done, p50 ${step.p50.toFixed(1)} ms, p99 ${step.p99.toFixed(1)} ms, failures ${step.failures}`,
    );
    if (step.p99 >= 50 || step.failures > 0) break;
    best = step;
  }
  return best;
}
const steps: (Step & { label: string })[] = [];
const oneProcess = await ladder(port, 'one process');
// The same in BENCH_WORKERS processes on one port, as the command-service runs.
const clustered = await startClustered({ kind: 'commands', url }, env.BENCH_WORKERS);
const inWorkers = await ladder(clustered.port, `${String(env.BENCH_WORKERS)} workers`);
await clustered.stop();

// ── pgbench: the same transaction in SQL (lock check, entry, tags, event, the streaks' locked row), closed loop
const ids = await db.selectFrom('users').select('id').orderBy('email').execute();
const benchClient = new pg.Client({ connectionString: url });
await benchClient.connect();
await benchClient.query('create table bench_users (n int primary key, id uuid not null)');
for (const [n, { id }] of ids.entries())
  await benchClient.query('insert into bench_users values ($1, $2)', [n + 1, id]);
await benchClient.end();
const script = path.join(tmpdir(), `${name}.sql`);
const eventData = JSON.stringify({ entryId: randomUUID(), sealed: 'x'.repeat(700) });
writeFileSync(
  script,
  `\\set u random(1, ${users})
\\set d random(1, 3000000)
BEGIN;
SELECT wrapped_key FROM user_keys WHERE user_id = (SELECT id FROM bench_users WHERE n = :u);
SELECT id FROM journal_entries WHERE id = '00000000-0000-4000-8000-000000000000' FOR UPDATE;
INSERT INTO journal_entries (id, user_id, entry_date, title, content, mood, word_count, reading_time)
  SELECT gen_random_uuid(), id, date '1900-01-01' + :d, 'A day', repeat('word ', 100), 'happy', 100, 30
  FROM bench_users WHERE n = :u
  ON CONFLICT (user_id, entry_date) WHERE deleted_at IS NULL DO NOTHING;
INSERT INTO tags (name) VALUES ('bench'), ('walk') ON CONFLICT (name) DO NOTHING;
SELECT id FROM tags WHERE name IN ('bench', 'walk');
INSERT INTO events (event_id, type, schema_version, stream_id, stream_version, user_id, occurred_at, data, metadata)
  SELECT gen_random_uuid(), 'EntryCreated', 1, 'entry-' || gen_random_uuid(), 1, id, now(), '${eventData}', '{}'
  FROM bench_users WHERE n = :u;
SELECT u.timezone, s.current_streak, s.longest_streak, s.last_entry_date, s.total_entries, s.total_words
  FROM user_streaks s JOIN users u ON u.id = s.user_id
  WHERE s.user_id = (SELECT id FROM bench_users WHERE n = :u) FOR UPDATE OF s;
UPDATE user_streaks SET total_entries = total_entries + 1, total_words = total_words + 100
  WHERE user_id = (SELECT id FROM bench_users WHERE n = :u);
COMMIT;
`,
);
const pgbenchOut = execFileSync(
  'pgbench',
  ['-n', '-f', script, '-c', '8', '-j', '2', '-T', String(stepSeconds * 2), url],
  {
    encoding: 'utf8',
  },
);
const pgbenchTps = Number(/tps = ([\d.]+)/.exec(pgbenchOut)?.[1] ?? Number.NaN);
const pgbenchLatency = Number(/latency average = ([\d.]+) ms/.exec(pgbenchOut)?.[1] ?? Number.NaN);
console.log(
  `pgbench, same transaction in SQL, 8 clients: ${pgbenchTps.toFixed(0)} tps, latency average ${pgbenchLatency} ms`,
);

// ── event store: appends per second, one at a time and 16 at once ─────────────────────────
const store = postgres.db as Kysely<EventStoreTables>;
const event = () => ({
  eventId: newEventId(),
  type: 'EntryDeleted',
  schemaVersion: 1,
  occurredAt: new Date(),
  userId: null,
  data: { entryId: randomUUID() },
  metadata: {},
});
async function appendsPerSecond(workers: number, seconds: number): Promise<number> {
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        await appendToStream(store, `bench-${randomUUID()}`, 0, [event()]);
        count++;
      }
    }),
  );
  return count / seconds;
}
const sequential = await appendsPerSecond(1, stepSeconds);
const concurrent = await appendsPerSecond(16, stepSeconds);
console.log(`event store appends: ${sequential.toFixed(0)}/s sequential, ${concurrent.toFixed(0)}/s with 16 writers`);

console.log('\nsummary');
for (const [label, best] of [
  ['one process', oneProcess],
  [`${String(env.BENCH_WORKERS)} workers`, inWorkers],
] as const) {
  if (best === undefined) console.log(`${label}: no rate held p99 < 50 ms`);
  else
    console.log(
      `${label}: highest rate holding p99 < 50 ms: ${best.rate}/s → ${best.achieved.toFixed(0)} commands/s, p50 ${best.p50.toFixed(1)} ms, p99 ${best.p99.toFixed(1)} ms; ${(best.achieved / pgbenchTps).toFixed(2)}× pgbench's tps for the same SQL`,
    );
}
console.log(
  `steps: ${JSON.stringify(steps.map((s) => ({ where: s.label, rate: s.rate, p99: Math.round(s.p99 * 10) / 10 })))}`,
);
console.log(`\nratio commands-vs-pgbench-one-process ${((oneProcess?.achieved ?? 0) / pgbenchTps).toFixed(3)}`);
console.log(`ratio commands-vs-pgbench ${((inWorkers?.achieved ?? 0) / pgbenchTps).toFixed(3)}`);

await app.close();
await postgres.close();
await admin.query(`drop database ${name} with (force)`);
await admin.end();
