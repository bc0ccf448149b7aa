// bench/queries: the read routes on a read model of BENCH_USERS writers × BENCH_DAYS entries,
// with the Redis cache (in one process, and in BENCH_WORKERS processes on one port, default one
// per core) and without it, next to a bare Fastify route, all in the same run.
//   npm run bench:queries      (needs the engines of npm test; the seeded database is kept)
import { availableParallelism } from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { Type } from '@sinclair/typebox';
import { createAccessTokens } from '@mindflow/core/auth';
import { createNoCache, createRedisCache, type Cache } from '@mindflow/core/cache';
import { readEnv } from '@mindflow/core/config';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { connectRedis } from '@mindflow/core/redis';
import { testEngines } from '@mindflow/core/testing';
import { migrateToLatest } from '@mindflow/migrations';
import Fastify from 'fastify';
import { keptDatabase } from './kept-database.js';
import { startClustered } from './clustered.js';
import { benchSecret, readServer } from './read-server.js';
import { sql } from 'kysely';

const env = readEnv(
  Type.Object({
    BENCH_USERS: Type.Integer({ minimum: 10, default: 10_000 }),
    BENCH_DAYS: Type.Integer({ minimum: 30, maximum: 3_000, default: 365 }),
    BENCH_SECONDS: Type.Integer({ minimum: 1, default: 10 }),
    BENCH_CONNECTIONS: Type.Integer({ minimum: 1, default: 32 }),
    BENCH_WORKERS: Type.Integer({ minimum: 1, default: availableParallelism() }),
  }),
  process.env,
);
const logger = createLogger({ level: 'warn', pretty: false }, 'bench');
const engines = testEngines();

// ── the read model, seeded once and kept (by name) for later runs ───────────────────────────
const name = `mindflow_bench_reads_${String(env.BENCH_USERS)}x${String(env.BENCH_DAYS)}`;
const read = connectPostgres('read', await keptDatabase(name), 40);
const db = read.db;
const userId = (u: number) => `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;
const entryId = (u: number, d: number) =>
  `00000000-${d.toString(16).padStart(4, '0')}-4000-8000-${u.toString(16).padStart(12, '0')}`;

async function seed() {
  await migrateToLatest(db, 'read');
  const seeded = await sql<{ n: string }>`select count(*) as n from profile_view`.execute(db);
  if (Number(seeded.rows[0]?.n) === env.BENCH_USERS) return;
  const started = performance.now();
  await sql`truncate profile_view, journal_view, mood_calendar, tag_counts`.execute(db);
  const content = 'Today I walked by the river and thought about the week ahead, and the people in it. ';
  const chunk = 500;
  for (let first = 1; first <= env.BENCH_USERS; first += chunk) {
    const last = Math.min(env.BENCH_USERS, first + chunk - 1);
    await sql`
      insert into journal_view (entry_id, user_id, entry_date, title, content, mood, tags, is_private,
        word_count, reading_time, author_name, version, created_at, updated_at)
      select ('00000000-' || lpad(to_hex(d), 4, '0') || '-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid,
        ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid,
        current_date - d, 'Day ' || d, repeat(${content}, 1 + (u + d) % 8),
        (array['ecstatic','happy','neutral','sad','anxious','angry'])[1 + (u * 7 + d) % 6],
        array['tag' || (d % 7), 'topic' || (u % 5)], false, 16 * (1 + (u + d) % 8), 5 * (1 + (u + d) % 8),
        'Writer ' || u, 1, now() - make_interval(days => d), now() - make_interval(days => d)
      from generate_series(${first}::int, ${last}::int) u, generate_series(0, ${env.BENCH_DAYS - 1}::int) d
    `.execute(db);
    process.stdout.write(`\rseeding entries: ${String(last)}/${String(env.BENCH_USERS)} writers`);
  }
  process.stdout.write('\n');
  await sql`
    insert into mood_calendar (user_id, entry_date, mood, entry_id)
    select user_id, entry_date, mood, entry_id from journal_view
  `.execute(db);
  await sql`
    insert into tag_counts (user_id, tag, count)
    select user_id, tag, count(*) from journal_view, unnest(tags) tag group by user_id, tag
  `.execute(db);
  await sql`
    insert into profile_view (user_id, email, display_name, timezone, language, theme, roles, settings, consent,
      joined_at, updated_at, current_streak, longest_streak, last_entry_date, total_entries, total_words, position)
    select ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid, 'writer' || u || '@example.com',
      'Writer ' || u, 'UTC', 'en', 'system', '{user}',
      '{"autoSave":true,"privateMode":false,"emailWeeklyInsights":false,"emailMonthlyInsights":false,"emailReminderToWrite":false}',
      'null', now() - interval '2 years', now(), ${env.BENCH_DAYS}, ${env.BENCH_DAYS}, current_date,
      ${env.BENCH_DAYS}, 1000, u
    from generate_series(1, ${env.BENCH_USERS}::int) u
  `.execute(db);
  await sql`vacuum analyze`.execute(db);
  console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
await seed();
// Reads ask the write database whether the caller's login stands (refresh_tokens joined with
// users): the bench's "write database" is this one, with one login per writer (its id is the user's).
await sql`create table if not exists users (id uuid primary key, roles text[] not null default '{user}', deleted_at timestamptz)`.execute(
  db,
);
await sql`alter table users add column if not exists roles text[] not null default '{user}'`.execute(db);
await sql`
  create table if not exists refresh_tokens (
    family_id uuid primary key, user_id uuid not null, expires_at timestamptz not null, revoked_at timestamptz
  )
`.execute(db);
await sql`
  insert into users (id) select ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid
  from generate_series(1, ${env.BENCH_USERS}::int) u
  on conflict do nothing
`.execute(db);
await sql`
  insert into refresh_tokens (family_id, user_id, expires_at) select id, id, now() + interval '1 day' from users
  on conflict (family_id) do update set expires_at = excluded.expires_at
`.execute(db);
const rows = await sql<{ n: string }>`select count(*) as n from journal_view`.execute(db);
console.log(`read model: ${String(env.BENCH_USERS)} writers, ${rows.rows[0]?.n ?? '?'} entries`);

// ── the servers: bare Fastify, reads with the Redis cache, reads without a cache ────────────
const tokens = createAccessTokens(benchSecret, 3_600);
const redis = connectRedis(engines.redis, logger);
async function listening(cache: Cache) {
  const app = await readServer({ db, cache, redis, tokens, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}
const bare = Fastify();
bare.get('/bare', async () => ({ items: [], nextCursor: null }));
await bare.listen({ port: 0, host: '127.0.0.1' });
const cachedApp = await listening(createRedisCache(redis));
const uncachedApp = await listening(createNoCache());
// The same cached reads in BENCH_WORKERS processes on one port, as the query-service runs them.
const clustered = await startClustered(
  { kind: 'reads', url: await keptDatabase(name), redis: engines.redis },
  env.BENCH_WORKERS,
);
const portOf = (app: { server: { address(): unknown } }) => (app.server.address() as { port: number }).port;

// ── load ────────────────────────────────────────────────────────────────────────────────────
const sampleUsers = Array.from({ length: env.BENCH_USERS }, (_, i) => i + 1);
const headersOf = new Map<number, Record<string, string>>();
for (const u of sampleUsers) {
  headersOf.set(u, {
    authorization: `Bearer ${await tokens.issue({ userId: userId(u), sessionId: userId(u) })}`,
  });
}
type Targets = { path: string; headers: Record<string, string> }[];
const perUser = (route: (u: number) => string): Targets =>
  sampleUsers.map((u) => ({ path: route(u), headers: headersOf.get(u) ?? {} }));
const randomDay = () => Math.floor(Math.random() * env.BENCH_DAYS);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}
async function load(port: number, targets: Targets, seconds = env.BENCH_SECONDS): Promise<Load> {
  const child = spawn(process.execPath, ['--import=tsx', path.join(import.meta.dirname, 'query-load.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify({ port, seconds, connections: env.BENCH_CONNECTIONS, targets }));
  const output = await text(child.stdout);
  return JSON.parse(output) as Load;
}
const hits = async (app: Awaited<ReturnType<typeof listening>>) => {
  const metric = await app.metrics.getSingleMetric('mindflow_query_cache_lookups_total')?.get();
  const count = (result: string) =>
    (metric?.values ?? []).filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
  return { hit: count('hit'), miss: count('miss') };
};

const results: { route: string; variant: string; load: Load; hitRate?: number }[] = [];
const baseline = await load(portOf(bare), [{ path: '/bare', headers: {} }]);
results.push({ route: 'GET /bare (plain Fastify)', variant: 'baseline', load: baseline });
console.log(
  `baseline: ${baseline.rps.toFixed(0)} req/s, p50 ${String(baseline.p50)} ms, p99 ${String(baseline.p99)} ms`,
);

const routes: { route: string; targets: () => Targets; cached: boolean }[] = [
  { route: 'GET /v1/entries (first page)', targets: () => perUser(() => '/v1/entries'), cached: true },
  {
    route: 'GET /v1/entries/{id}',
    targets: () => perUser((u) => `/v1/entries/${entryId(u, randomDay())}`),
    cached: false,
  },
  { route: 'GET /v1/me', targets: () => perUser(() => '/v1/me'), cached: true },
  { route: 'GET /v1/moods/trend?days=30', targets: () => perUser(() => '/v1/moods/trend?days=30'), cached: true },
  {
    route: 'GET /v1/entries?cursor (page 2)',
    targets: () =>
      perUser((u) => {
        const d = randomDay();
        const date = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
        return `/v1/entries?cursor=${Buffer.from(JSON.stringify([date, entryId(u, d)])).toString('base64url')}`;
      }),
    cached: false,
  },
];
const cachedRates: { one: number; workers: number }[] = [];
for (const { route, targets, cached } of routes) {
  const uncached = await load(portOf(uncachedApp), targets());
  results.push({ route, variant: 'no cache', load: uncached });
  if (!cached) {
    console.log(
      `${route}: ${uncached.rps.toFixed(0)} req/s, p50 ${String(uncached.p50)} ms, p99 ${String(uncached.p99)} ms`,
    );
    continue;
  }
  await load(portOf(cachedApp), targets()); // warm the cache
  const before = await hits(cachedApp);
  const warm = await load(portOf(cachedApp), targets());
  const after = await hits(cachedApp);
  const lookups = after.hit - before.hit + (after.miss - before.miss);
  const hitRate = lookups === 0 ? 0 : (after.hit - before.hit) / lookups;
  results.push({ route, variant: 'Redis cache', load: warm, hitRate });
  await load(clustered.port, targets()); // warm every worker's connections
  const spread = await load(clustered.port, targets());
  results.push({ route, variant: `Redis cache, ${String(env.BENCH_WORKERS)} workers`, load: spread });
  cachedRates.push({ one: warm.rps, workers: spread.rps });
  console.log(
    `${route}: ${uncached.rps.toFixed(0)} → ${warm.rps.toFixed(0)} req/s with the cache (hit rate ${(hitRate * 100).toFixed(0)}%), ${spread.rps.toFixed(0)} in ${String(env.BENCH_WORKERS)} workers`,
  );
}

console.log('\n| route | variant | req/s | p50 | p99 | × bare req/s | non-2xx |');
console.log('|---|---|---|---|---|---|---|');
for (const { route, variant, load: l, hitRate } of results) {
  const label = hitRate === undefined ? variant : `${variant} (${(hitRate * 100).toFixed(0)}% hits)`;
  console.log(
    `| ${route} | ${label} | ${l.rps.toFixed(0)} | ${String(l.p50)} ms | ${String(l.p99)} ms | ${(l.rps / baseline.rps).toFixed(2)} | ${String(l.non2xx + l.errors)} |`,
  );
}
// The slowest of the cached routes against the bare route: in one process, and in the workers.
const slowest = (pick: (rates: { one: number; workers: number }) => number) =>
  Math.min(...cachedRates.map(pick)) / baseline.rps;
console.log(`\nratio cached-reads-vs-bare-one-process ${slowest((rates) => rates.one).toFixed(3)}`);
console.log(`ratio cached-reads-vs-bare ${slowest((rates) => rates.workers).toFixed(3)}`);
await Promise.all([bare.close(), cachedApp.close(), uncachedApp.close(), clustered.stop()]);
await redis.close();
await read.close();
