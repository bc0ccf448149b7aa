// bench/ai: the ai-worker's speed. (1) Analysis alone, in process: entries/s of analyzeText
// (sentiment, themes, language) against wink-nlp reading the same texts into tokens, the
// least any analysis must do. (2) The consumer end to end on the test engines: entries written
// through the command routes while the worker is stopped, then the time for a fresh worker to
// analyze them all and append their EntryAnalyzed events, against (1). (3) Insight generation
// per user: a month of entries each, the monthly insights of all users written by one
// scheduler run with the local writer, against gathering the briefs alone (the SQL part).
//   npm run bench:ai      (needs the engines of npm test)
import { performance } from 'node:perf_hooks';
import { Type } from '@sinclair/typebox';
import { testSecrets } from '@mindflow/command-service/testing';
import { readEnv } from '@mindflow/core/config';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { queryServiceForTest, testWriters } from '@mindflow/query-service/testing';
import {
  analyzeText,
  createLocalWriter,
  gatherBrief,
  startAiWorker,
  writeDueInsights,
  type WorkerTables,
} from '@mindflow/ai-worker';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

const env = readEnv(
  Type.Object({
    BENCH_AI_TEXTS: Type.Integer({ minimum: 100, default: 2_000 }),
    BENCH_AI_ENTRIES: Type.Integer({ minimum: 100, default: 1_000 }),
    BENCH_AI_USERS: Type.Integer({ minimum: 5, default: 40 }),
  }),
  process.env,
);
const progress = (line: string) => console.error(`  ${line}`);

// ── journal-like texts, seeded ───────────────────────────────────────────────────────────
let seed = 11;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const openings = ['Today', 'This morning', 'After work', 'Tonight', 'At lunch', 'Before bed'];
const doings = [
  'I walked the dog along the river',
  'the project meeting ran long again',
  'I cooked soup with my sister',
  'the train was late and crowded',
  'I finished the book I was reading',
  'my manager praised the report',
  'I argued with my landlord about the heating',
  'we planned the garden for spring',
];
const feelings = [
  'and I felt calm and grateful.',
  'which left me tired and a bit anxious.',
  'and honestly it was wonderful.',
  'and I was annoyed for the rest of the day.',
  'and nothing much else happened.',
  'so I went to bed early.',
];
const sentence = () => `${pick(openings)} ${pick(doings)}, ${pick(feelings)}`;
const text = (sentences: number) => Array.from({ length: sentences }, sentence).join(' ');

// ── (1) analysis alone ───────────────────────────────────────────────────────────────────
const texts = Array.from({ length: env.BENCH_AI_TEXTS }, () => text(8 + Math.floor(random() * 8)));
const words = texts.reduce((sum, item) => sum + item.split(/\s+/).length, 0);
const nlp = winkNLP(model);
const time = (run: () => void) => {
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
};
for (const item of texts.slice(0, 50)) analyzeText(item); // warm up
const tokenizeSeconds = time(() => {
  for (const item of texts) nlp.readDoc(item).tokens().out();
});
const analyzeSeconds = time(() => {
  for (const item of texts) analyzeText(item);
});
const analyzedPerSecond = texts.length / analyzeSeconds;
console.log(
  `analysis, in process: ${String(texts.length)} entries, ${String(Math.round(words / texts.length))} words each on average`,
);
console.log(`  wink tokenize only : ${(texts.length / tokenizeSeconds).toFixed(0)} entries/s (baseline)`);
console.log(`  analyzeText        : ${analyzedPerSecond.toFixed(0)} entries/s`);
console.log(`  ratio              : ${(tokenizeSeconds / analyzeSeconds).toFixed(2)} of the baseline`);

// ── (2) and (3) on the test engines ──────────────────────────────────────────────────────
const platform = await queryServiceForTest();
const logger = createLogger({ level: 'silent', pretty: false }, 'bench');
const pool = connectPostgres<WorkerTables>('write', platform.writeUrl, 8);
const db = pool.db;
const keyring = createUserKeyring(testSecrets.masterKey);
try {
  const writers = await testWriters(platform.app, env.BENCH_AI_USERS);
  progress(`writing ${String(env.BENCH_AI_ENTRIES)} entries through the command routes`);
  const perUser = Math.ceil(env.BENCH_AI_ENTRIES / writers.length);
  let written = 0;
  for (const [index, writer] of writers.entries()) {
    const start = Date.UTC(2026, 9, 1); // October 2026, a month of entries each
    for (let day = 0; day < perUser && written < env.BENCH_AI_ENTRIES; day++) {
      const date = new Date(start + ((day + index) % 31) * 86_400_000).toISOString().slice(0, 10);
      await writer.write({
        date,
        title: `Day ${String(day)}`,
        content: text(10),
        mood: pick(['happy', 'neutral', 'sad']),
      });
      written += 1;
    }
  }
  const head = Number(
    (await sql<{ head: string }>`select max(global_position) as head from events`.execute(db)).rows[0]?.head,
  );

  const started = performance.now();
  const worker = await startAiWorker({
    writeDb: db,
    writeUrl: platform.writeUrl,
    kafka: undefined,
    secrets: testSecrets,
    cache: platform.cache,
    blobs: platform.blobs,
    audit: undefined,
    writer: createLocalWriter(),
    insightIntervalSeconds: undefined,
    logger,
    registry: new Registry(),
  });
  while (worker.consumer.lastPosition() < head) await new Promise((resolve) => setTimeout(resolve, 20));
  const consumerSeconds = (performance.now() - started) / 1000;
  await worker.stop();
  const analyzed = Number(
    (await sql<{ n: string }>`select count(*) as n from events where type = 'EntryAnalyzed'`.execute(db)).rows[0]?.n,
  );
  const endToEnd = analyzed / consumerSeconds;
  console.log(`\nconsumer, end to end (embedded bus, PostgreSQL ${platform.writeUrl.replace(/.*@/, '')}):`);
  console.log(
    `  ${String(analyzed)} entries analyzed and appended in ${consumerSeconds.toFixed(2)} s: ${endToEnd.toFixed(0)} entries/s`,
  );
  console.log(`  ratio to analysis alone: ${(endToEnd / analyzedPerSecond).toFixed(2)}`);

  // (3) Baseline: the briefs alone, then the scheduler writing every monthly insight.
  const users = writers.map((writer) => writer.id);
  const briefStarted = performance.now();
  for (const userId of users) await gatherBrief(db, { userId, kind: 'monthly', from: '2026-10-01', to: '2026-10-31' });
  const briefMs = (performance.now() - briefStarted) / users.length;
  await db.updateTable('insight_schedule').set({ next_from: '2026-10-01' }).where('kind', '=', 'monthly').execute();
  await db.updateTable('insight_schedule').set({ next_from: '2099-01-05' }).where('kind', '=', 'weekly').execute();
  const runStarted = performance.now();
  const run = await writeDueInsights(
    { db, keyring, writer: createLocalWriter(), logger },
    new Date('2026-11-01T12:00:00Z'),
  );
  const insightMs = (performance.now() - runStarted) / run.written;
  console.log(`\ninsights: ${String(run.written)} monthly insights of ${String(perUser)} entries each (local writer)`);
  console.log(`  brief alone (SQL + stats + excerpts): ${briefMs.toFixed(1)} ms per user (baseline)`);
  console.log(`  whole insight (lease, brief, prose, event, period): ${insightMs.toFixed(1)} ms per user`);
  console.log(`  ratio: ${(insightMs / briefMs).toFixed(2)} of the baseline`);
} finally {
  await pool.close();
  await platform.close();
}
