import { randomUUID } from 'node:crypto';
import { createS3BlobStore } from '@mindflow/core/blobs';
import { closeUserFence } from '@mindflow/core/crypto';
import { readStream } from '@mindflow/core/eventstore';
import { connectS3 } from '@mindflow/core/s3';
import { silentLogger, testEngines, waitFor } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import type { WriteTables } from '@mindflow/core/write-model';
import { commandServiceForTest, testUser } from '../testing.js';
import { maxAttachmentBytes } from './sniff.js';

// The command service with attachments on the real S3-compatible server.
const s3 = connectS3(testEngines().s3, silentLogger());
t.teardown(() => s3.close());
const blobs = createS3BlobStore(s3, s3.bucket);
const service = await commandServiceForTest({}, undefined, { blobs });
t.teardown(() => service.close());
const { app, db } = service;

const user = () => testUser(app);

const ana = await user();
const bruno = await user();
t.teardown(async () => {
  for (const who of [ana, bruno]) await blobs.deletePrefix(`attachments/${who.id}/`);
});
const entry = (
  await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${ana.token}` },
    payload: { date: '2026-11-20', title: 'With files', content: 'see attached' },
  })
).json<{ id: string }>();

/** A multipart/form-data body with one file part, as a browser sends it. */
function multipart(fileName: string, contentType: string, content: Buffer) {
  const boundary = `----mindflow${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  return {
    payload: Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const upload = (who: { token: string }, entryId: string, fileName: string, contentType: string, content: Buffer) => {
  const body = multipart(fileName, contentType, content);
  return app.inject({
    method: 'POST',
    url: `/v1/entries/${entryId}/attachments`,
    headers: { ...body.headers, authorization: `Bearer ${who.token}` },
    payload: body.payload,
  });
};

async function stored(userId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs.list(`attachments/${userId}/`)) keys.push(key);
  return keys;
}

// The first bytes of each allowed type (their signatures), then some filler.
const filler = Buffer.alloc(2_000, 7);
const samples: Record<string, Buffer> = {
  'image/jpeg': Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
    filler,
  ]),
  'image/png': Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    Buffer.from('IHDR'),
    filler,
  ]),
  'image/gif': Buffer.concat([Buffer.from('GIF89a'), filler]),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0x08, 0, 0]), Buffer.from('WEBPVP8 '), filler]),
  'application/pdf': Buffer.concat([Buffer.from('%PDF-1.7\n'), filler]),
};

t.test('each allowed type is stored, recorded and told by its content', async (t) => {
  for (const [type, content] of Object.entries(samples)) {
    // The client's name and type are not believed: everything is sent as octet-stream.
    const response = await upload(
      ana,
      entry.id,
      `../../etc/${type.replace('/', '.')}`,
      'application/octet-stream',
      content,
    );
    t.equal(response.statusCode, 201, type);
    const body = response.json<{ id: string; contentType: string; size: number; fileName: string; position: number }>();
    t.match(body, { contentType: type, size: content.length, fileName: type.replace('/', '.') });
    t.same(await blobs.head(`attachments/${ana.id}/${body.id}`), { size: content.length, contentType: type });
    const events = await readStream(db, `attachment-${body.id}`);
    t.match(events, [{ type: 'AttachmentAdded', userId: ana.id, data: { entryId: entry.id, attachmentId: body.id } }]);
  }
  const rows = await db.selectFrom('attachments').select(['content_type']).where('entry_id', '=', entry.id).execute();
  t.equal(rows.length, 5);
});

t.test('a disguised file, an oversized one and an entry not yours are refused, with nothing stored', async (t) => {
  const before = await stored(ana.id);
  const executable = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(512, 0x90)]);
  const disguised = await upload(ana, entry.id, 'holiday.jpg', 'image/jpeg', executable);
  t.equal(disguised.statusCode, 415);
  t.equal(disguised.json<{ error: { code: string } }>().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  const text = await upload(ana, entry.id, 'notes.pdf', 'application/pdf', Buffer.from('just words, no signature'));
  t.equal(text.statusCode, 415);

  // One part, the file: anything else in the body is refused, as an unknown JSON property is.
  const png = multipart('one.png', 'image/png', samples['image/png'] ?? Buffer.alloc(0));
  const boundary = /boundary=(.+)$/.exec(png.headers['content-type'])?.[1] ?? '';
  const closing = Buffer.from(`--${boundary}--\r\n`);
  const field = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n42\r\n`);
  const fileParts = png.payload.subarray(0, png.payload.length - closing.length);
  const otherName = Buffer.from(png.payload.toString('latin1').replace('name="file"', 'name="photo"'), 'latin1');
  for (const [what, payload] of [
    ['a field after the file', Buffer.concat([fileParts, field, closing])],
    ['a field before the file', Buffer.concat([field, png.payload])],
    ['a second file', Buffer.concat([fileParts, png.payload])],
    ['the file under another name', otherName],
  ] as const) {
    const extra = await app.inject({
      method: 'POST',
      url: `/v1/entries/${entry.id}/attachments`,
      headers: { ...png.headers, authorization: `Bearer ${ana.token}` },
      payload,
    });
    t.equal(extra.statusCode, 400, `${what} is refused`);
    t.equal(extra.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED', what);
  }

  const huge = Buffer.concat([samples['image/png'] ?? Buffer.alloc(0), Buffer.alloc(maxAttachmentBytes, 1)]);
  const oversized = await upload(ana, entry.id, 'huge.png', 'image/png', huge);
  t.equal(oversized.statusCode, 413);
  t.equal(oversized.json<{ error: { code: string } }>().error.code, 'PAYLOAD_TOO_LARGE');

  const theirs = await upload(bruno, entry.id, 'mine.png', 'image/png', samples['image/png'] ?? Buffer.alloc(0));
  t.equal(theirs.statusCode, 404, "another user's entry");
  t.same(await stored(bruno.id), []);
  t.same(await stored(ana.id), before, 'nothing new in the bucket');
  const rows = await db.selectFrom('attachments').select('id').where('entry_id', '=', entry.id).execute();
  t.equal(rows.length, 5, 'and nothing recorded');

  const anonymous = multipart('a.png', 'image/png', samples['image/png'] ?? Buffer.alloc(0));
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/entries/${entry.id}/attachments`, ...anonymous })).statusCode,
    401,
  );
  const json = await app.inject({
    method: 'POST',
    url: `/v1/entries/${entry.id}/attachments`,
    headers: { authorization: `Bearer ${ana.token}` },
    payload: { file: 'x' },
  });
  t.equal(json.statusCode, 415, 'not multipart');
  const unbounded = await app.inject({
    method: 'POST',
    url: `/v1/entries/${entry.id}/attachments`,
    headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'multipart/form-data' },
    payload: '',
  });
  t.equal(unbounded.statusCode, 400, 'multipart without a boundary is malformed, not a failure of the server');
  t.equal(unbounded.json<{ error: { code: string } }>().error.code, 'MALFORMED_REQUEST');
  const cut = multipart('cut.png', 'image/png', samples['image/png'] ?? Buffer.alloc(0));
  for (const [what, payload, code] of [
    ['without a part', Buffer.alloc(0), 'VALIDATION_FAILED'],
    ['cut short', cut.payload.subarray(0, 120), 'MALFORMED_REQUEST'],
  ] as const) {
    const truncated = await app.inject({
      method: 'POST',
      url: `/v1/entries/${entry.id}/attachments`,
      headers: { ...cut.headers, authorization: `Bearer ${ana.token}` },
      payload,
    });
    t.equal(truncated.statusCode, 400, `a multipart body ${what} is refused as such`);
    t.equal(truncated.json<{ error: { code: string } }>().error.code, code);
  }
});

t.test('large files: a signed PUT link straight to S3, then completion checks size and type', async (t) => {
  const grant = async (contentType: string, size: number) => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/entries/${entry.id}/attachments/uploads`,
      headers: { authorization: `Bearer ${ana.token}` },
      payload: { fileName: 'scan.pdf', contentType, size },
    });
    t.equal(response.statusCode, 201);
    return response.json<{ uploadId: string; url: string; headers: { 'content-type': string } }>();
  };
  const complete = (uploadId: string, who = ana) =>
    app.inject({
      method: 'POST',
      url: `/v1/entries/${entry.id}/attachments/uploads/${uploadId}/complete`,
      headers: { authorization: `Bearer ${who.token}` },
    });
  const put = (url: string, type: string, body: Buffer) =>
    fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });

  const pdf = samples['application/pdf'] ?? Buffer.alloc(0);
  const good = await grant('application/pdf', pdf.length);
  t.equal((await complete(good.uploadId)).statusCode, 409, 'nothing uploaded yet');
  t.equal((await put(good.url, good.headers['content-type'], pdf)).status, 200, 'the link takes the file');
  t.equal((await complete(good.uploadId, bruno)).statusCode, 404, "nobody completes someone else's upload");
  const done = await complete(good.uploadId);
  t.equal(done.statusCode, 201);
  t.match(done.json(), { id: good.uploadId, contentType: 'application/pdf', size: pdf.length, fileName: 'scan.pdf' });
  t.match(await readStream(db, `attachment-${good.uploadId}`), [{ type: 'AttachmentAdded' }]);
  t.equal((await complete(good.uploadId)).statusCode, 404, 'an upload completes once');

  // Declared a png, sent an executable: refused and removed.
  const disguised = await grant('image/png', 600);
  await put(disguised.url, 'image/png', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(598, 0x90)]));
  const refused = await complete(disguised.uploadId);
  t.equal(refused.statusCode, 415);
  t.equal(await blobs.head(`attachments/${ana.id}/${disguised.uploadId}`), undefined, 'the object is deleted');

  // Declared small, sent more: the link refuses the body, nothing is stored.
  const big = await grant('image/png', 1_000);
  const oversized = await put(
    big.url,
    'image/png',
    Buffer.concat([samples['image/png'] ?? Buffer.alloc(0), Buffer.alloc(maxAttachmentBytes, 2)]),
  );
  t.equal(oversized.status, 403, 'a body larger than declared is refused by the link');
  t.equal((await put(big.url, 'image/png', Buffer.alloc(999, 2))).status, 403, 'and a smaller one');
  t.equal((await complete(big.uploadId)).statusCode, 409, 'nothing was stored');
  t.equal(await blobs.head(`attachments/${ana.id}/${big.uploadId}`), undefined);

  const tooLarge = await app.inject({
    method: 'POST',
    url: `/v1/entries/${entry.id}/attachments/uploads`,
    headers: { authorization: `Bearer ${ana.token}` },
    payload: { fileName: 'x.exe', contentType: 'application/x-msdownload', size: 10 },
  });
  t.equal(tooLarge.statusCode, 400, 'only the allowed types are granted a link');
});

t.test('after completion, the upload link can no longer change the checked file', async (t) => {
  const png = samples['image/png'] ?? Buffer.alloc(0);
  const { uploadId, url } = (
    await app.inject({
      method: 'POST',
      url: `/v1/entries/${entry.id}/attachments/uploads`,
      headers: { authorization: `Bearer ${ana.token}` },
      payload: { fileName: 'photo.png', contentType: 'image/png', size: png.length },
    })
  ).json<{ uploadId: string; url: string }>();
  const put = (body: Buffer) => fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body });
  t.equal((await put(png)).status, 200);
  const done = await app.inject({
    method: 'POST',
    url: `/v1/entries/${entry.id}/attachments/uploads/${uploadId}/complete`,
    headers: { authorization: `Bearer ${ana.token}` },
  });
  t.equal(done.statusCode, 201);
  // The same link, the same type and size, other bytes: HTML where a PNG was checked.
  const html = Buffer.alloc(png.length, 0x20);
  html.write('<html><script>alert(1)</script>');
  await put(html);
  const kept = await blobs.get(`attachments/${ana.id}/${uploadId}`);
  t.ok(kept);
  const bytes: Buffer[] = [];
  for await (const chunk of kept ?? []) bytes.push(chunk as Buffer);
  t.ok(Buffer.concat(bytes).equals(png), 'the recorded file still holds the checked bytes');
  await blobs.deletePrefix(`uploads/${ana.id}/`);
});

t.test(
  'an upload never completed, and what a link writes after completion, are swept once the link expires',
  async (t) => {
    // Links of 2 s, swept every 200 ms once expired.
    const brief = await commandServiceForTest({}, undefined, {
      blobs,
      uploads: { linkSeconds: 2, sweepEveryMs: 200, sweepGraceSeconds: 0 },
    });
    t.teardown(() => brief.close());
    const dana = await testUser(brief.app);
    t.teardown(() => blobs.deletePrefix(`uploads/${dana.id}/`));
    const own = (
      await brief.app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${dana.token}` },
        payload: { date: '2026-11-22', title: 'Abandoned', content: 'uploads' },
      })
    ).json<{ id: string }>();
    const pdf = samples['application/pdf'] ?? Buffer.alloc(0);
    const grant = async () =>
      (
        await brief.app.inject({
          method: 'POST',
          url: `/v1/entries/${own.id}/attachments/uploads`,
          headers: { authorization: `Bearer ${dana.token}` },
          payload: { fileName: 'a.pdf', contentType: 'application/pdf', size: pdf.length },
        })
      ).json<{ uploadId: string; url: string }>();
    const put = (url: string) =>
      fetch(url, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: pdf });
    const abandoned = await grant();
    const completed = await grant();
    t.equal((await put(abandoned.url)).status, 200);
    t.equal((await put(completed.url)).status, 200);
    const done = await brief.app.inject({
      method: 'POST',
      url: `/v1/entries/${own.id}/attachments/uploads/${completed.uploadId}/complete`,
      headers: { authorization: `Bearer ${dana.token}` },
    });
    t.equal(done.statusCode, 201);
    t.equal((await put(completed.url)).status, 200, 'the link writes to staging again');
    const staged = async () => {
      const keys: string[] = [];
      for await (const key of blobs.list(`uploads/${dana.id}/`)) keys.push(key);
      return keys;
    };
    t.equal((await staged()).length, 2);
    await waitFor(async () => ((await staged()).length === 0 ? true : undefined), 15_000, 'the staged objects to go');
    // A row goes in the same sweep, once its objects are gone: it may commit a moment later.
    const uploads = () =>
      brief.db.selectFrom('attachment_uploads').select('id').where('user_id', '=', dana.id).execute();
    await waitFor(async () => ((await uploads()).length === 0 ? true : undefined), 5_000, 'their rows to go');
    t.same(await staged(), [], 'no staged object came back');
    t.ok(await blobs.head(`attachments/${dana.id}/${completed.uploadId}`), 'the completed attachment stays');
  },
);

/**
 * Does what an erasure of `userId` does, in its order: takes the user's fence exclusively, lets
 * `request` start and wait on it, then locks the user's entries and attachments (which the
 * erasure deletes). A request that locked one of them before it met the fence deadlocks here.
 */
async function whileErasing<T>(userId: string, request: () => Promise<T>): Promise<T> {
  const { pending } = await db.transaction().execute(async (trx) => {
    await closeUserFence<WriteTables>(trx, userId);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
    const pid = rows[0]?.pid;
    const pending = request();
    await waitFor(
      async () => {
        const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))
        `.execute(db);
        return (waiting.rows[0]?.n ?? 0) > 0 ? true : undefined;
      },
      10_000,
      'the request to wait on the fence',
    );
    await sql`set local lock_timeout = '5s'`.execute(trx);
    await trx.selectFrom('journal_entries').select('id').where('user_id', '=', userId).forUpdate().execute();
    await trx.selectFrom('attachments').select('id').where('user_id', '=', userId).forUpdate().execute();
    // Not awaited here: the request goes on only once this transaction ends.
    return { pending };
  });
  return pending;
}

t.test('an upload or a removal racing an erasure waits at the fence holding no row of the user', async (t) => {
  const carla = await user();
  t.teardown(() => blobs.deletePrefix(`attachments/${carla.id}/`));
  const own = (
    await app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${carla.token}` },
      payload: { date: '2026-11-21', title: 'Racing', content: 'an erasure' },
    })
  ).json<{ id: string }>();
  const content = samples['image/png'] ?? Buffer.alloc(0);
  // Before: the upload locked the entry, then waited on the fence in the events trigger, while
  // the erasure waited on the entry: PostgreSQL broke the deadlock and the upload answered 500.
  const uploaded = await whileErasing(carla.id, () => upload(carla, own.id, 'a.png', 'image/png', content));
  t.equal(uploaded.statusCode, 201, 'the upload goes on once the fence opens');
  const { id } = uploaded.json<{ id: string }>();
  const removed = await whileErasing(carla.id, () =>
    app.inject({
      method: 'DELETE',
      url: `/v1/entries/${own.id}/attachments/${id}`,
      headers: { authorization: `Bearer ${carla.token}` },
    }),
  );
  t.equal(removed.statusCode, 200, 'the removal goes on once the fence opens');
});
