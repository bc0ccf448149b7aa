import { randomBytes, randomUUID } from 'node:crypto';
import { createS3BlobStore } from '@mindflow/core/blobs';
import { connectS3 } from '@mindflow/core/s3';
import { silentLogger, testEngines } from '@mindflow/core/testing';
import archiver from 'archiver';
import t from 'tap';
import { commandServiceForTest, testUser } from '../testing.js';

// Hostile archives, from outside: small caps so that a bomb is small too.
const limits = { maxUnpackedBytes: 4 * 1024 * 1024, maxRatio: 100, maxFiles: 50, maxJsonBytes: 1024 * 1024 };
const service = await commandServiceForTest({}, undefined, { imports: limits });
t.teardown(() => service.close());
const { app, db, blobs } = service;

interface Report {
  created: { date: string; attachments: number }[];
  rejected: { source: string; reason: string }[];
}

async function zipOf(files: Record<string, Buffer | string>, level = 9): Promise<Buffer> {
  const archive = archiver('zip', { zlib: { level } });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  for (const [name, content] of Object.entries(files)) archive.append(content, { name });
  await archive.finalize();
  return Buffer.concat(chunks);
}

function importZip(who: { token: string }, zip: Buffer) {
  const boundary = `----mindflow${randomUUID()}`;
  return app.inject({
    method: 'POST',
    url: '/v1/me/imports',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="import.zip"\r\n\r\n`),
      zip,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
}

const dayOne = (entries: unknown[]) => JSON.stringify({ entries });
const entryOn = (day: number, photos: { md5: string; type: string }[]) => ({
  uuid: `E${String(day)}`,
  creationDate: `2026-07-${String(day).padStart(2, '0')}T10:00:00Z`,
  timeZone: 'UTC',
  text: `Day ${String(day)}\nwith photos`,
  photos,
});
// A GIF's signature, then filler: an allowed type.
const gif = (bytes: Buffer) => Buffer.concat([Buffer.from('GIF89a'), bytes]);

async function storedFor(userId: string) {
  const keys: string[] = [];
  for await (const key of blobs.list(`attachments/${userId}/`)) keys.push(key);
  const rows = await db.selectFrom('journal_entries').select('id').where('user_id', '=', userId).execute();
  return { objects: keys.length, entries: rows.length };
}

t.test('zip bombs and oversized archives get 413 ARCHIVE_LIMIT_EXCEEDED, with nothing stored', async (t) => {
  const ana = await testUser(app);
  const bombs: Record<string, Buffer> = {
    // 8 MiB of one byte packs into a few KiB: past the ratio (and the unpacked total).
    'a photo of zeros': await zipOf({
      'Journal.json': dayOne([entryOn(1, [{ md5: 'a', type: 'gif' }])]),
      'photos/a.gif': gif(Buffer.alloc(8 * 1024 * 1024)),
    }),
    // Incompressible, so within the ratio, but more than 4 MiB unpacked in all.
    'too much in all': await zipOf({
      'Journal.json': dayOne([entryOn(1, [])]),
      'photos/a.gif': gif(randomBytes(3 * 1024 * 1024)),
      'photos/b.gif': gif(randomBytes(2 * 1024 * 1024)),
    }),
    // A journal past the JSON cap (stored, not packed, so the ratio says nothing).
    'a journal too large to parse': await zipOf(
      { 'Journal.json': dayOne([entryOn(1, []), { pad: 'x'.repeat(1024 * 1024) }]) },
      0,
    ),
    'too many files': await zipOf(
      Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`f${String(index)}.txt`, 'x'])),
    ),
    // 1 MiB read once, referred to by five entries: 5 MiB of references.
    'one file referred to past the cap': await zipOf({
      'Journal.json': dayOne([1, 2, 3, 4, 5].map((day) => entryOn(day, [{ md5: 'big', type: 'gif' }]))),
      'photos/big.gif': gif(randomBytes(1024 * 1024)),
    }),
  };
  for (const [what, zip] of Object.entries(bombs)) {
    const response = await importZip(ana, zip);
    t.equal(response.statusCode, 413, what);
    t.equal(response.json<{ error: { code: string } }>().error.code, 'ARCHIVE_LIMIT_EXCEEDED', what);
  }
  t.same(await storedFor(ana.id), { objects: 0, entries: 0 }, 'nothing stored');
});

t.test('a file an entry refers to many times is stored once for it', async (t) => {
  const bea = await testUser(app);
  const photo = gif(randomBytes(1_600));
  // Before: 20 copies per entry (the most an entry holds), then one rejection per reference.
  const photos = Array.from({ length: 40 }, () => ({ md5: 'p', type: 'gif' }));
  const zip = await zipOf({ 'Journal.json': dayOne([entryOn(1, photos), entryOn(2, photos)]), 'photos/p.gif': photo });
  const response = await importZip(bea, zip);
  t.equal(response.statusCode, 201);
  const report = response.json<Report>();
  t.same(
    report.created.map((item) => item.attachments),
    [1, 1],
  );
  t.same(report.rejected, []);
  t.same(await storedFor(bea.id), { objects: 2, entries: 2 }, 'one object per entry');
});

t.test('not an archive, or a damaged one: 415 with a reason in words', async (t) => {
  const cleo = await testUser(app);
  for (const [what, body] of [
    ['not a zip', Buffer.from('just some words, not a ZIP')],
    ['a zip without a journal', await zipOf({ 'notes.txt': 'hello' })],
    ['invalid JSON', await zipOf({ 'Journal.json': '{"entries": [' })],
  ] as const) {
    const response = await importZip(cleo, body);
    t.equal(response.statusCode, 415, what);
    t.match(response.json<{ error: { message: string } }>().error.message, /^not an archive this can import: \S/, what);
    t.notMatch(response.json<{ error: { message: string } }>().error.message, /Error|at |\{/, what);
  }
});

t.test('a file the store cannot take is rejected with a reason in words, not the store error', async (t) => {
  // The real S3 server, a bucket that does not exist: every put fails inside the store.
  const s3 = connectS3(testEngines().s3, silentLogger());
  t.teardown(() => s3.close());
  const broken = await commandServiceForTest({}, undefined, {
    blobs: createS3BlobStore(s3, `missing-${randomUUID().slice(0, 8)}`),
  });
  t.teardown(() => broken.close());
  const dora = await testUser(broken.app);
  const boundary = 'B';
  const zip = await zipOf({
    'Journal.json': dayOne([entryOn(1, [{ md5: 'p', type: 'gif' }])]),
    'photos/p.gif': gif(Buffer.alloc(100, 1)),
  });
  const response = await broken.app.inject({
    method: 'POST',
    url: '/v1/me/imports',
    headers: { authorization: `Bearer ${dora.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="i.zip"\r\n\r\n`),
      zip,
      Buffer.from('\r\n--B--\r\n'),
    ]),
  });
  t.equal(response.statusCode, 201);
  const { rejected } = response.json<Report>();
  t.equal(rejected.length, 1);
  t.match(rejected[0]?.reason, /^the file could not be stored/);
  t.notMatch(rejected[0]?.reason, /bucket|S3|NoSuch/i);
});
