import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { uniqueName } from '../testing/index.js';
import { BlobTooLarge, type BlobStore } from './types.js';

/** A body of `size` seeded bytes, made as it is read (never whole in memory). */
function body(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunk = (index: number, length: number) => Buffer.alloc(length, (index * 31 + seed) % 251);
  const chunkSize = 64 * 1024;
  const hash = createHash('sha256');
  for (let offset = 0, index = 0; offset < size; offset += chunkSize, index++) {
    hash.update(chunk(index, Math.min(chunkSize, size - offset)));
  }
  return {
    sha256: hash.digest('hex'),
    stream: () =>
      Readable.from(
        (function* () {
          for (let offset = 0, index = 0; offset < size; offset += chunkSize, index++) {
            yield chunk(index, Math.min(chunkSize, size - offset));
          }
        })(),
      ),
  };
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function keysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

/** The blob port's contract: every adapter runs it against its real backend. */
export function blobStoreContract(t: Test, store: BlobStore): void {
  const prefix = `${uniqueName('contract')}/`;
  t.teardown(async () => {
    await store.deletePrefix(prefix);
  });

  t.test('a streamed body round-trips, with its size and type', async (t) => {
    const large = body(12 * 1024 * 1024 + 5);
    const key = `${prefix}a/large.bin`;
    const stored = await store.put(key, large.stream(), { contentType: 'application/pdf', maxBytes: 50 * 1024 * 1024 });
    t.same(stored, { size: 12 * 1024 * 1024 + 5, contentType: 'application/pdf' });
    t.same(await store.head(key), stored);
    const read = await store.get(key);
    t.ok(read);
    if (read !== undefined) t.equal(await sha256Of(read), large.sha256, 'the same bytes');
    t.equal(await store.get(`${prefix}missing`), undefined);
    t.equal(await store.head(`${prefix}missing`), undefined);
  });

  t.test('a body past its limit is refused and leaves nothing, not even the object it would replace', async (t) => {
    const key = `${prefix}limited/file.bin`;
    await store.put(key, body(10).stream(), { contentType: 'image/png' });
    await t.rejects(
      store.put(key, body(9 * 1024 * 1024, 2).stream(), { contentType: 'image/png', maxBytes: 6 * 1024 * 1024 }),
      BlobTooLarge,
    );
    t.same(await store.head(key), { size: 10, contentType: 'image/png' }, 'the earlier object is untouched');
    await t.rejects(
      store.put(`${prefix}limited/other.bin`, body(2048).stream(), { contentType: 'image/png', maxBytes: 1024 }),
      BlobTooLarge,
    );
    t.same(await keysUnder(store, `${prefix}limited/`), [key], 'nothing new is stored');
  });

  t.test('list, delete and delete by prefix', async (t) => {
    for (const name of ['b', 'a', 'c/d'])
      await store.put(`${prefix}set/${name}`, body(3).stream(), { contentType: 'image/gif' });
    t.same(await keysUnder(store, `${prefix}set/`), [`${prefix}set/a`, `${prefix}set/b`, `${prefix}set/c/d`]);
    await store.delete(`${prefix}set/a`);
    await store.delete(`${prefix}set/never-there`);
    t.same(await keysUnder(store, `${prefix}set/`), [`${prefix}set/b`, `${prefix}set/c/d`]);
    t.equal(await store.deletePrefix(`${prefix}set/`), 2);
    t.same(await keysUnder(store, `${prefix}set/`), []);
  });

  t.test('keys that could leave their folder are refused', async (t) => {
    for (const key of ['../escape', '/absolute', 'a//b', 'a/../b', '', 'a/./b']) {
      await t.rejects(store.put(key, body(1).stream(), { contentType: 'image/png' }), RangeError, JSON.stringify(key));
    }
  });

  t.test('a presigned GET works until it expires, and not once altered', async (t) => {
    const key = `${prefix}shared/photo.jpg`;
    const content = body(4096, 3);
    await store.put(key, content.stream(), { contentType: 'image/jpeg' });
    const url = await store.presignGet(key, { expiresInSeconds: 60, fileName: 'My photo.jpg' });
    const fetched = await fetch(url);
    t.equal(fetched.status, 200);
    t.match(fetched.headers.get('content-disposition'), /My%20photo\.jpg/);
    t.equal(
      createHash('sha256')
        .update(Buffer.from(await fetched.arrayBuffer()))
        .digest('hex'),
      content.sha256,
    );

    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(/photo\.jpg$/, 'other.jpg');
    t.equal((await fetch(otherKey)).status, 403, 'another key with the same signature');
    const forged = new URL(url);
    for (const name of ['X-Amz-Signature', 'signature']) {
      const value = forged.searchParams.get(name);
      if (value !== null) forged.searchParams.set(name, `${value.startsWith('0') ? '1' : '0'}${value.slice(1)}`);
    }
    t.equal((await fetch(forged)).status, 403, 'a changed signature');

    const brief = await store.presignGet(key, { expiresInSeconds: 1 });
    await sleep(2_100);
    t.equal((await fetch(brief)).status, 403, 'an expired link');
  });

  t.test('a presigned PUT stores the body with the type it was granted, and nothing else', async (t) => {
    const key = `${prefix}uploads/scan.pdf`;
    const url = await store.presignPut(key, { expiresInSeconds: 60, contentType: 'application/pdf', size: 13 });
    const wrongType = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: 'x' });
    t.equal(wrongType.status, 403, 'another content type');
    t.equal(await store.head(key), undefined);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf' },
      body: '%PDF-1.4 test',
    });
    t.equal(put.status, 200);
    t.same(await store.head(key), { size: 13, contentType: 'application/pdf' });

    const brief = await store.presignPut(`${prefix}uploads/late.pdf`, {
      expiresInSeconds: 1,
      contentType: 'application/pdf',
      size: 4,
    });
    await sleep(2_100);
    const late = await fetch(brief, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: 'late' });
    t.equal(late.status, 403, 'an expired upload link');
    t.equal(await store.head(`${prefix}uploads/late.pdf`), undefined);
  });

  t.test('a presigned PUT takes the size it was granted for, and no other', async (t) => {
    const key = `${prefix}sized/photo.png`;
    const url = await store.presignPut(key, { expiresInSeconds: 60, contentType: 'image/png', size: 10 });
    const put = (bytes: number) =>
      fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(bytes, 1) });
    t.equal((await put(11)).status, 403, 'one byte more');
    t.equal((await put(9)).status, 403, 'one byte less');
    t.equal(await store.head(key), undefined, 'nothing stored');
    t.equal((await put(10)).status, 200, 'the size granted');
    t.same(await store.head(key), { size: 10, contentType: 'image/png' });
  });

  t.test('move: the object changes key, and a link to the old key can no longer change it', async (t) => {
    const from = `${prefix}moving/staged`;
    const to = `${prefix}moving/final`;
    const url = await store.presignPut(from, { expiresInSeconds: 60, contentType: 'image/gif', size: 6 });
    const put = (text: string) => fetch(url, { method: 'PUT', headers: { 'content-type': 'image/gif' }, body: text });
    t.equal((await put('GIF89a')).status, 200);
    t.same(await store.move(from, to), { size: 6, contentType: 'image/gif' });
    t.equal(await store.head(from), undefined, 'nothing left at the old key');
    t.equal((await put('<html>')).status, 200, 'the link still writes, to its own key');
    const moved = await store.get(to);
    t.ok(moved);
    if (moved !== undefined) t.equal(await sha256Of(moved), createHash('sha256').update('GIF89a').digest('hex'));
    t.equal(await store.move(`${prefix}moving/never-there`, `${prefix}moving/other`), undefined, 'nothing to move');
    t.equal(await store.head(`${prefix}moving/other`), undefined);
  });
}
