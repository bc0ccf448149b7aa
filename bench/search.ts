// bench/search: indexing through the search projection against a raw _bulk of the same
// documents, and search latency on Elasticsearch and on PostgreSQL with 100k and 1M entries.
//   npm run bench:search      (needs the engines of npm test; seeded data is kept by name)
import { Type } from '@sinclair/typebox';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { readEnv } from '@mindflow/core/config';
import { createUserKeyring } from '@mindflow/core/crypto';
import { connectElasticsearch } from '@mindflow/core/elasticsearch';
import { readAll, startOfLog, type Checkpoint } from '@mindflow/core/eventstore';
import { connectPostgres } from '@mindflow/core/postgres';
import {
  createElasticsearchSearch,
  createPostgresSearch,
  ensureSearchIndex,
  parseSearchText,
  type SearchPort,
} from '@mindflow/core/search';
import { silentLogger, testEngines } from '@mindflow/core/testing';
import { migrateToLatest } from '@mindflow/migrations';
import { createDecoder } from '@mindflow/core/projections';
import { indexEvents } from '@mindflow/projector';
import { signedInWriters } from '@mindflow/projector/testing';
import { keptDatabase } from './kept-database.js';
import { sql } from 'kysely';

const env = readEnv(
  Type.Object({
    BENCH_INDEX_ENTRIES: Type.Integer({ minimum: 100, default: 5_000 }),
    BENCH_SIZES: Type.String({ default: '100000,1000000' }),
    BENCH_QUERIES: Type.Integer({ minimum: 10, default: 300 }),
  }),
  process.env,
);
const engines = testEngines();
// Latency is measured here, not bounded: a generous timeout.
const es = connectElasticsearch({ ...engines.elasticsearch, timeoutMs: 30_000 }, silentLogger());
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;

// ── deterministic synthetic journals ──────────────────────────────────────────────────────
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const syllables = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'da', 'pe', 'lu', 'zo', 'fa', 'ri', 'go', 'be'];
const vocabulary = Array.from({ length: 3_000 }, (_, i) => {
  let word = '';
  for (let n = i + 17; n > 0; n = Math.floor(n / 16)) word += syllables[n % 16] ?? '';
  return word;
});
// Zipf-like: a few words are common, most are rare.
const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)] ?? 'ka';
const moods = ['ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry'];
const userId = (u: number) => `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;
const entryId = (n: number) => `00000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`;
const perUser = 365;

function entry(n: number) {
  const u = Math.floor(n / perUser);
  const date = new Date(Date.UTC(2025, 0, 1) + (n % perUser) * 86_400_000).toISOString().slice(0, 10);
  const content = Array.from({ length: 60 + Math.floor(random() * 60) }, word).join(' ');
  return {
    id: entryId(n),
    userId: userId(u),
    title: `${word()} ${word()} ${word()}`,
    content,
    mood: moods[n % 6] ?? null,
    tags: [`t${String(n % 7)}`, `topic${String(u % 11)}`],
    location: null,
    weather: null,
    date,
    wordCount: content.split(' ').length,
    isPrivate: false,
    createdAt: `${date}T08:00:00.000Z`,
    updatedAt: `${date}T08:00:00.000Z`,
  };
}

// ── 1. indexing: through the projection vs a raw _bulk of the same documents ──────────────
async function indexingRun() {
  const commands = await commandServiceForTest();
  const writers = await signedInWriters(commands.app, 20);
  for (let n = 0; n < env.BENCH_INDEX_ENTRIES; n++) {
    const e = entry(n);
    const writer = writers[n % writers.length];
    const created = await commands.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${writer?.token ?? ''}` },
      // One entry per writer per day.
      payload: {
        date: new Date(Date.UTC(2000, 0, 1) + Math.floor(n / writers.length) * 86_400_000).toISOString().slice(0, 10),
        title: e.title,
        content: e.content,
        mood: e.mood,
        tags: e.tags,
      },
    });
    if (created.statusCode !== 201) throw new Error(`entry ${String(n)}: ${created.body}`);
  }
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), commands.db);
  const projected = 'bench_search_projected';
  const raw = 'bench_search_raw';
  for (const alias of [projected, raw]) {
    await es.client.indices.delete({ index: `${alias}_v*` }, { ignore: [404] });
    await ensureSearchIndex(es.client, alias);
  }
  let checkpoint: Checkpoint = startOfLog;
  let started = performance.now();
  for (;;) {
    const events = await readAll(commands.db, checkpoint, 1_000);
    const last = events.at(-1);
    if (last === undefined) break;
    await indexEvents({ client: es.client, index: projected, writeDb: commands.db, decode }, events);
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
  }
  await es.client.indices.refresh({ index: projected });
  const projectedSeconds = (performance.now() - started) / 1000;
  const documents = (
    await es.client.search<Record<string, unknown>>({ index: projected, size: 10_000, query: { match_all: {} } })
  ).hits.hits.map((hit) => hit._source ?? {});
  started = performance.now();
  for (let i = 0; i < documents.length; i += 1_000) {
    await es.client.bulk({
      operations: documents
        .slice(i, i + 1_000)
        .flatMap((document) => [{ index: { _index: raw, _id: String(document.id) } }, document]),
    });
  }
  await es.client.indices.refresh({ index: raw });
  const rawSeconds = (performance.now() - started) / 1000;
  await commands.close();
  const count = documents.length;
  console.log('\n## indexing');
  console.log(
    `through the projection (fold each entry's stream, decrypt, bulk with external versions): ${(count / projectedSeconds).toFixed(0)} docs/s`,
  );
  console.log(
    `raw _bulk of the same ${String(documents.length)} documents: ${(documents.length / rawSeconds).toFixed(0)} docs/s`,
  );
  console.log(`ratio: ${(count / projectedSeconds / (documents.length / rawSeconds)).toFixed(2)}`);
}

// ── 2. search latency at each size, Elasticsearch and PostgreSQL ──────────────────────────
async function seedElasticsearch(size: number): Promise<string> {
  const alias = `bench_search_${String(size)}`;
  await ensureSearchIndex(es.client, alias);
  const count = (await es.client.count({ index: alias })).count;
  if (count === size) return alias;
  seed = 42;
  const started = performance.now();
  for (let n = count; n < size; n += 2_000) {
    const operations = [];
    for (let i = n; i < Math.min(size, n + 2_000); i++) {
      const doc = entry(i);
      operations.push(
        { index: { _index: alias, _id: doc.id } },
        { ...doc, tagSuggest: { input: doc.tags, contexts: { userId: [doc.userId] } } },
      );
    }
    await es.client.bulk({ operations });
    if (n % 100_000 === 0) process.stdout.write(`\relasticsearch ${String(size)}: ${String(n)} documents`);
  }
  await es.client.indices.refresh({ index: alias });
  console.log(`\relasticsearch ${String(size)}: seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return alias;
}

async function seedPostgres(size: number) {
  const name = `mindflow_bench_search_${String(size)}`;
  const connection = connectPostgres('read', await keptDatabase(name), 4);
  const db = connection.db;
  await migrateToLatest(db, 'read');
  const count = Number((await sql<{ n: string }>`select count(*) as n from journal_view`.execute(db)).rows[0]?.n);
  if (count !== size) {
    await sql`truncate journal_view, tag_counts`.execute(db);
    seed = 42;
    const started = performance.now();
    for (let n = 0; n < size; n += 5_000) {
      const docs = Array.from({ length: Math.min(5_000, size - n) }, (_, i) => entry(n + i));
      await sql`
        insert into journal_view (entry_id, user_id, entry_date, title, content, mood, tags, is_private, word_count,
          reading_time, version, created_at, updated_at)
        select id, user_id, entry_date, title, content, mood, string_to_array(tags, ','), false, words, 30, 1, now(), now()
        from unnest(${docs.map((d) => d.id)}::uuid[], ${docs.map((d) => d.userId)}::uuid[], ${docs.map((d) => d.date)}::date[],
          ${docs.map((d) => d.title)}::text[], ${docs.map((d) => d.content)}::text[], ${docs.map((d) => d.mood)}::text[],
          ${docs.map((d) => d.tags.join(','))}::text[], ${docs.map((d) => d.wordCount)}::int[])
          as t(id, user_id, entry_date, title, content, mood, tags, words)
      `.execute(db);
      if (n % 100_000 === 0) process.stdout.write(`\rpostgres ${String(size)}: ${String(n)} rows`);
    }
    await sql`insert into tag_counts (user_id, tag, count) select user_id, tag, count(*) from journal_view, unnest(tags) tag group by 1, 2`.execute(
      db,
    );
    await sql`vacuum analyze journal_view`.execute(db);
    console.log(`\rpostgres ${String(size)}: seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return connection;
}

async function latencies(search: SearchPort, size: number) {
  const users = Math.ceil(size / perUser);
  seed = 7;
  const kinds = {
    'one word': () => word(),
    'two words': () => `${word()} ${word()}`,
    phrase: () => `"${word()} ${word()}"`,
    'word, mood filter, by date': () => word(),
  } as const;
  const results: Record<string, { p50: number; p95: number }> = {};
  for (const [kind, make] of Object.entries(kinds)) {
    const times: number[] = [];
    for (let i = 0; i < env.BENCH_QUERIES; i++) {
      const user = userId(Math.floor(random() * users));
      const started = performance.now();
      await search.search(user, {
        text: parseSearchText(make()),
        moods: kind.startsWith('word,') ? ['happy', 'sad'] : [],
        tags: [],
        sort: kind.startsWith('word,') ? 'date' : 'relevance',
        offset: 0,
        limit: 20,
      });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    results[kind] = { p50: percentile(times, 50), p95: percentile(times, 95) };
  }
  return results;
}

await indexingRun();
console.log("\n## search latency (one writer's entries, highlights and facets, sequential requests)");
console.log('| entries | engine | query | p50 | p95 |');
console.log('|---|---|---|---|---|');
for (const size of env.BENCH_SIZES.split(',').map(Number)) {
  const alias = await seedElasticsearch(size);
  const postgres = await seedPostgres(size);
  const engines = {
    Elasticsearch: createElasticsearchSearch(es, alias),
    PostgreSQL: createPostgresSearch(postgres.db),
  };
  for (const [engine, search] of Object.entries(engines)) {
    await latencies(search, size); // warm
    for (const [kind, { p50, p95 }] of Object.entries(await latencies(search, size))) {
      console.log(`| ${size.toLocaleString('en')} | ${engine} | ${kind} | ${ms(p50)} | ${ms(p95)} |`);
    }
  }
  await postgres.close();
}
await es.close();
