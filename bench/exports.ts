// bench/exports: the time to build one user's export (POST /v1/me/exports → ZIP in the blob
// store) with 10,000 entries, one in ten with a 100 KB attachment, on the test engines (files on
// S3, i.e. MinIO). Baseline, in the same run: reading the same rows and objects and throwing
// them away (what any export must at least do).
//   npm run bench:exports      (needs the engines of npm test)
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import { runNextExport, type WorkerTables } from '@mindflow/ai-worker';
import { testSecrets } from '@mindflow/command-service/testing';
import { blobKeys, createS3BlobStore } from '@mindflow/core/blobs';
import { readEnv } from '@mindflow/core/config';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { connectS3 } from '@mindflow/core/s3';
import { silentLogger, testEngines } from '@mindflow/core/testing';
import { queryServiceForTest, testWriters } from '@mindflow/query-service/testing';
import { sql } from 'kysely';

const env = readEnv(
  Type.Object({
    BENCH_EXPORT_ENTRIES: Type.Integer({ minimum: 100, default: 10_000 }),
    BENCH_EXPORT_ATTACHMENT_EVERY: Type.Integer({ minimum: 1, default: 10 }),
    BENCH_EXPORT_ATTACHMENT_BYTES: Type.Integer({ minimum: 100, default: 100_000 }),
  }),
  process.env,
);
const progress = (line: string) => console.error(`  ${line}`);
const logger = createLogger({ level: 'silent', pretty: false }, 'bench');
const platform = await queryServiceForTest({ audit: 'postgres' });
const pool = connectPostgres<WorkerTables>('write', platform.writeUrl, 4);
const db = pool.db;
const s3 = connectS3(testEngines().s3, silentLogger());
const blobs = createS3BlobStore(s3, s3.bucket);
const [writer] = await testWriters(platform.app, 1);
if (writer === undefined) throw new Error('writer');
const userId = writer.id;

try {
  progress(`seeding ${String(env.BENCH_EXPORT_ENTRIES)} entries straight into the write tables`);
  const content = 'Today I walked by the river and thought about the week ahead, and the people in it. '.repeat(6);
  await sql`
    insert into journal_entries (id, user_id, entry_date, title, content, mood, word_count, reading_time)
    select gen_random_uuid(), ${userId}, date '2000-01-01' + d, 'Day ' || d, ${content}, 'happy', 96, 30
      from generate_series(0, ${env.BENCH_EXPORT_ENTRIES - 1}::int) d
  `.execute(db);
  const withFiles = await sql<{ id: string }>`
    select id from journal_entries where user_id = ${userId}
     order by entry_date limit ${Math.floor(env.BENCH_EXPORT_ENTRIES / env.BENCH_EXPORT_ATTACHMENT_EVERY)}
  `.execute(db);
  progress(
    `uploading ${String(withFiles.rows.length)} attachments of ${String(env.BENCH_EXPORT_ATTACHMENT_BYTES)} bytes to S3`,
  );
  const file = Buffer.alloc(env.BENCH_EXPORT_ATTACHMENT_BYTES, 7);
  const attachments: string[] = [];
  for (const [index, row] of withFiles.rows.entries()) {
    const id = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
    const key = blobKeys.attachment(userId, id);
    await blobs.put(key, Readable.from([file]), { contentType: 'image/png' });
    await sql`insert into attachments (id, entry_id, user_id, file_name, content_type, size_bytes, storage_key)
              values (${id}, ${row.id}, ${userId}, ${`photo-${String(index)}.png`}, 'image/png', ${file.length}, ${key})`.execute(
      db,
    );
    attachments.push(key);
  }

  // Baseline: the same rows and objects, read and dropped.
  const baselineStarted = performance.now();
  await sql`select id, title, content from journal_entries where user_id = ${userId}`.execute(db);
  for (const key of attachments) {
    const body = await blobs.get(key);
    if (body !== undefined) await pipeline(body, new Writable({ write: (_chunk, _encoding, done) => done() }));
  }
  const baseline = (performance.now() - baselineStarted) / 1000;

  const exportId = (await writer.command('POST', '/v1/me/exports')).id;
  const started = performance.now();
  await runNextExport({ db, keyring: createUserKeyring(testSecrets.masterKey), blobs, audit: platform.audit }, logger);
  const seconds = (performance.now() - started) / 1000;
  const job = await sql<{
    status: string;
    object_key: string;
  }>`select status, object_key from data_exports where id = ${exportId}`.execute(db);
  const zip = await blobs.head(job.rows[0]?.object_key ?? '');
  console.log(
    `export of ${String(env.BENCH_EXPORT_ENTRIES)} entries and ${String(attachments.length)} attachments (${job.rows[0]?.status ?? '?'}):`,
  );
  console.log(`  read the same rows and objects (baseline): ${baseline.toFixed(1)} s`);
  console.log(`  build the ZIP into S3: ${seconds.toFixed(1)} s, ${((zip?.size ?? 0) / 1e6).toFixed(1)} MB`);
  console.log(`  ratio: ${(seconds / baseline).toFixed(2)} of the baseline`);
  await blobs.deletePrefix(`attachments/${userId}/`);
  await blobs.deletePrefix(`exports/${userId}/`);
} finally {
  await pool.close();
  await s3.close();
  await platform.close();
}
