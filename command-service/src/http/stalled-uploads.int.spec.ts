import { rawRequest } from '@mindflow/core/testing';
import t from 'tap';
import { commandServiceForTest, testUser } from '../testing.js';

// Uploads that stop arriving are answered: the service listens for real, and a raw socket sends
// what a broken or hostile client sends. Bodies may sit idle for 500 ms.
const service = await commandServiceForTest({}, undefined, { uploads: { idleMs: 500 } });
t.teardown(() => service.close());
const { app, blobs } = service;
const ana = await testUser(app);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
const entry = (
  await app.inject({
    method: 'POST',
    url: '/v1/entries',
    headers: { authorization: `Bearer ${ana.token}` },
    payload: { date: '2026-11-20', title: 'Stalled', content: 'uploads' },
  })
).json<{ id: string }>();

/** How long an answer may take: the idle time, plus the watch's step, plus slack for a busy machine. */
const answerWithinMs = 5_000;

/**
 * Sends a request with `body` on a raw socket and keeps the socket open: what the server
 * answered (status line and all) once it closes the connection or `answerWithinMs` passes.
 */
const send = (path: string, body: Buffer, chunked: boolean) =>
  rawRequest({
    port,
    head:
      `POST ${path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${ana.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=B\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${String(body.length)}`}\r\n\r\n`,
    // Chunked: one chunk, and never the last (zero-length) one.
    body: [chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]) : body],
    answerWithinMs,
    // A complete answer to a complete body: the connection may stay open (keep-alive).
    complete: (answer) => !chunked && /\r\n\r\n[\s\S]*\}$/.test(answer),
  });

const part = (name: string) =>
  `--B\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
  Buffer.from('IHDR'),
  Buffer.alloc(5_000, 7),
]);
const stored = async () => {
  const keys: string[] = [];
  for await (const key of blobs.list('attachments/')) keys.push(key);
  return keys;
};
const status = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];

t.test('an empty file part is answered 415 (before: never answered)', async (t) => {
  const empty = Buffer.from(`${part('empty.png')}\r\n--B--\r\n`);
  const attached = await send(`/v1/entries/${entry.id}/attachments`, empty, false);
  t.equal(status(attached.answer), '415', `attachment, answered in ${String(attached.ms)} ms`);
  const imported = await send('/v1/me/imports', empty, false);
  t.equal(status(imported.answer), '415', `import, answered in ${String(imported.ms)} ms`);
});

t.test(
  'a multipart body without its closing boundary is answered 408 and closed (before: never answered)',
  async (t) => {
    const attached = await send(
      `/v1/entries/${entry.id}/attachments`,
      Buffer.concat([Buffer.from(part('a.png')), png]),
      true,
    );
    t.equal(status(attached.answer), '408', `attachment, answered in ${String(attached.ms)} ms`);
    t.match(attached.answer, /"code":"REQUEST_TIMEOUT"/);
    t.ok(attached.closed, 'and the connection closed');
    t.same(await stored(), [], 'nothing stored');

    const zipStart = Buffer.concat([
      Buffer.from(part('import.zip')),
      Buffer.from('PK\x03\x04'),
      Buffer.alloc(2_000, 1),
    ]);
    const imported = await send('/v1/me/imports', zipStart, true);
    t.equal(status(imported.answer), '408', `import, answered in ${String(imported.ms)} ms`);
    t.ok(imported.closed, 'and the connection closed');

    // Only the part's headers, not even its first byte.
    const headersOnly = await send(`/v1/entries/${entry.id}/attachments`, Buffer.from('--B\r\nContent-Disp'), true);
    t.equal(status(headersOnly.answer), '408', `half a part header, answered in ${String(headersOnly.ms)} ms`);
  },
);

t.test('a complete upload still goes through', async (t) => {
  const complete = Buffer.concat([Buffer.from(part('ok.png')), png, Buffer.from('\r\n--B--\r\n')]);
  const attached = await send(`/v1/entries/${entry.id}/attachments`, complete, false);
  t.equal(status(attached.answer), '201');
  t.equal((await stored()).length, 1);
});
