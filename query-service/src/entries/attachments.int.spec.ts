import { randomUUID } from 'node:crypto';
import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';

const platform = await queryServiceForTest();
t.teardown(platform.close);
const [ana, bob] = await testWriters(platform.app, 2);
if (ana === undefined || bob === undefined) throw new Error('writers');

t.test("an entry's view lists its attachments (never where they are stored)", async (t) => {
  const entry = await ana.write({ date: '2026-11-10', title: 'Photo day' });
  const boundary = `----mindflow${randomUUID()}`;
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    Buffer.from('IHDR'),
    Buffer.alloc(100, 1),
  ]);
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="beach.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    png,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const uploaded = await platform.app.inject({
    method: 'POST',
    url: `/v1/entries/${entry.id}/attachments`,
    headers: { authorization: `Bearer ${ana.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  t.equal(uploaded.statusCode, 201);
  const { id, position } = uploaded.json<{ id: string; position: number }>();
  const view = (await ana.get(`/v1/entries/${entry.id}`, { 'x-min-position': String(position) })).json<{
    attachments: Record<string, unknown>[];
  }>();
  t.match(view.attachments, [
    { id, fileName: 'beach.png', contentType: 'image/png', size: png.length, thumbnail: false },
  ]);
  t.notOk(JSON.stringify(view.attachments).includes('attachments/'), 'no storage key');
  t.equal((await bob.get(`/v1/entries/${entry.id}`)).statusCode, 404);

  // A signed download link, for the owner only.
  const links = await ana.get(`/v1/entries/${entry.id}/attachments/${id}`);
  t.equal(links.statusCode, 200);
  const { downloadUrl, thumbnailUrl } = links.json<{ downloadUrl: string; thumbnailUrl: string | null }>();
  t.equal(thumbnailUrl, null);
  const link = new URL(downloadUrl);
  const download = await platform.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
  t.equal(download.statusCode, 200, 'the link works without a token');
  t.same(download.rawPayload, png, 'and gives the file back');
  t.match(download.headers['content-disposition'], /beach\.png/);
  const tampered = `${link.pathname.replace(id, randomUUID())}${link.search}`;
  t.equal((await platform.app.inject({ method: 'GET', url: tampered })).statusCode, 403, 'another key, same signature');
  t.equal((await bob.get(`/v1/entries/${entry.id}/attachments/${id}`)).statusCode, 404, 'nobody else gets a link');
  t.equal((await ana.get(`/v1/entries/${entry.id}/attachments/${randomUUID()}`)).statusCode, 404);

  // Removing it deletes the file.
  const bobRemoves = await platform.app.inject({
    method: 'DELETE',
    url: `/v1/entries/${entry.id}/attachments/${id}`,
    headers: { authorization: `Bearer ${bob.token}` },
  });
  t.equal(bobRemoves.statusCode, 404, "nobody removes someone else's");
  const removed = await ana.command('DELETE', `/v1/entries/${entry.id}/attachments/${id}`);
  const after = (await ana.get(`/v1/entries/${entry.id}`, { 'x-min-position': String(removed.position) })).json<{
    attachments: unknown[];
  }>();
  t.same(after.attachments, []);
  t.equal((await platform.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` })).statusCode, 404);
  t.equal((await ana.get(`/v1/entries/${entry.id}/attachments/${id}`)).statusCode, 404);
});
