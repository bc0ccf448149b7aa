import { randomUUID } from 'node:crypto';
import { readerHoldBack } from '@mindflow/core/eventstore';
import { waitFor } from '@mindflow/core/testing';
import { testWriters, type TestWriter } from '@mindflow/query-service/testing';
import { sql } from 'kysely';
import sharp from 'sharp';
import t from 'tap';
import { aiWorkerForTest } from '../testing.js';

const ai = await aiWorkerForTest();
t.teardown(ai.close);
const { app } = ai.platform;
const db = ai.insights.db;
const [ana] = await testWriters(app, 1);
if (ana === undefined) throw new Error('writer');

async function upload(writer: TestWriter, entryId: string, fileName: string, content: Buffer) {
  const boundary = `----mindflow${randomUUID()}`;
  const response = await app.inject({
    method: 'POST',
    url: `/v1/entries/${entryId}/attachments`,
    headers: { authorization: `Bearer ${writer.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
  if (response.statusCode !== 201) throw new Error(`upload: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string; position: number }>();
}

const thumbnailEvents = async (attachmentId: string) =>
  Number(
    (
      await sql<{ n: string }>`select count(*) as n from events
        where type = 'ThumbnailGenerated' and stream_id = ${`attachment-${attachmentId}`}`.execute(db)
    ).rows[0]?.n,
  );

t.test('an image gets a WebP thumbnail after its upload, recorded once by ThumbnailGenerated', async (t) => {
  const entry = await ana.write({ date: '2026-11-12', title: 'Photos' });
  const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3a7' } })
    .jpeg()
    .toBuffer();
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(500, 1)]);
  const broken = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    Buffer.from('IHDR'),
    Buffer.alloc(300, 9),
  ]);
  const image = await upload(ana, entry.id, 'garden.jpg', photo);
  const document = await upload(ana, entry.id, 'notes.pdf', pdf);
  const damaged = await upload(ana, entry.id, 'damaged.png', broken);
  const head = Math.max(image.position, document.position, damaged.position);
  await waitFor(async () => (ai.worker.thumbnails.lastPosition() >= head ? true : undefined), 15_000, 'thumbnails');

  t.equal(await thumbnailEvents(image.id), 1);
  t.equal(await thumbnailEvents(document.id), 0, 'a pdf has none');
  t.equal(await thumbnailEvents(damaged.id), 0, 'an image that does not decode has none, and stops nothing');
  const stored = await ai.platform.blobs.get(`thumbnails/${ana.id}/${image.id}.webp`);
  t.ok(stored);
  if (stored !== undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of stored) chunks.push(chunk as Buffer);
    const metadata = await sharp(Buffer.concat(chunks)).metadata();
    t.match(metadata, { format: 'webp', width: 320, height: 213 });
  }
  const event = (
    await sql<{ data: Record<string, unknown> }>`select data from events
      where type = 'ThumbnailGenerated' and stream_id = ${`attachment-${image.id}`}`.execute(db)
  ).rows[0];
  t.match(event?.data, { attachmentId: image.id, entryId: entry.id, width: 320, height: 213 });

  const links = await waitFor(async () => {
    const response = (await ana.get(`/v1/entries/${entry.id}/attachments/${image.id}`)).json<{
      thumbnailUrl: string | null;
    }>();
    return response.thumbnailUrl === null ? undefined : response;
  });
  const link = new URL(links.thumbnailUrl ?? '');
  const fetched = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
  t.equal(fetched.statusCode, 200);
  t.equal(fetched.headers['content-type'], 'image/webp');

  // A redelivery writes no second event.
  await db.deleteFrom('projection_offsets').where('projection', '=', 'thumbnails').execute();
  await waitFor(
    async () =>
      (await db
        .selectFrom('projection_offsets')
        .select('offset')
        .where('projection', '=', 'thumbnails')
        .executeTakeFirst()) ?? undefined,
  );
  const latest = Number(
    (await sql<{ head: string }>`select max(global_position) as head from events`.execute(db)).rows[0]?.head,
  );
  await waitFor(
    async () => (ai.worker.thumbnails.lastPosition() >= latest ? true : undefined),
    60_000,
    'the replay',
  ).catch(async (error: unknown) => {
    // What held the replay back, for the failure's post-mortem: readAll's boundary and the
    // server's transactions that hold an id.
    const running = await sql<Record<string, unknown>>`
        select datname, backend_xid::text as xid, state, now() - xact_start as age, left(query, 120) as query
        from pg_stat_activity where backend_xid is not null order by xact_start`.execute(db);
    const xip = await sql<{ xip: string }>`select pg_current_snapshot()::text as xip`.execute(db);
    const holdBack = await readerHoldBack(db);
    throw new Error(
      `${(error as Error).message}: last position ${ai.worker.thumbnails.lastPosition()} of ${latest}; held back ${JSON.stringify(holdBack)}; snapshot ${xip.rows[0]?.xip ?? '?'}; running ${JSON.stringify(running.rows)}`,
    );
  });
  t.equal(await thumbnailEvents(image.id), 1, 'still one');
});
