import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { byteLimit } from './limit.js';
import { checkKey, type BlobInfo, type BlobStore } from './types.js';

export interface LocalBlobOptions {
  /** The folder the objects live in (created when missing). */
  readonly root: string;
  /** Signs the URLs the store hands out. */
  readonly secret: string;
  /** Where the platform serves /v1/blobs (see localBlobRoutes), e.g. http://127.0.0.1:3000. */
  readonly baseUrl: () => string;
}

/** What a signed URL grants: one method on one key until a time. */
export interface BlobGrant {
  readonly method: 'GET' | 'PUT';
  readonly key: string;
  readonly expires: number;
  readonly contentType: string;
  readonly fileName: string;
  /** The exact byte count a PUT must carry (0 for a GET). */
  readonly size: number;
}

export interface LocalBlobStore extends BlobStore {
  readonly adapter: 'local';
  /** The grant of a signed URL's path and query, or undefined when it is forged, altered or expired. */
  verify(method: string, key: string, query: Readonly<Record<string, string | undefined>>): BlobGrant | undefined;
}

/** Blobs are private writing: readable by the platform's user only (0600 files in 0700 folders). */
const privateFile = 0o600;
const privateFolder = { recursive: true, mode: 0o700 } as const;

/**
 * The blob port on a local folder, for embedded mode: `objects/<key>` with its content type in
 * `meta/<key>.json`. Writes go to a temporary file renamed into place, so a failed or refused
 * upload leaves nothing. Presigned URLs are HMAC-signed links to the platform's own
 * /v1/blobs route, with an expiry, as S3's are.
 */
export function createLocalBlobStore(options: LocalBlobOptions): LocalBlobStore {
  const objects = path.join(options.root, 'objects');
  const meta = path.join(options.root, 'meta');
  const temporary = path.join(options.root, 'tmp');
  const objectPath = (key: string) => path.join(objects, checkKey(key));
  const metaPath = (key: string) => path.join(meta, `${checkKey(key)}.json`);
  const sign = (grant: BlobGrant) =>
    createHmac('sha256', options.secret)
      .update(
        [grant.method, grant.key, String(grant.expires), grant.contentType, grant.fileName, String(grant.size)].join(
          '\n',
        ),
      )
      .digest('base64url');
  const signedUrl = (grant: BlobGrant) => {
    const url = new URL(`/v1/blobs/${grant.key}`, options.baseUrl());
    url.searchParams.set('expires', String(grant.expires));
    if (grant.contentType !== '') url.searchParams.set('type', grant.contentType);
    if (grant.fileName !== '') url.searchParams.set('name', grant.fileName);
    if (grant.method === 'PUT') url.searchParams.set('size', String(grant.size));
    url.searchParams.set('signature', sign(grant));
    return url.toString();
  };
  const expiry = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

  return {
    adapter: 'local',
    async put(key, body, putOptions) {
      const target = objectPath(key);
      await mkdir(temporary, privateFolder);
      const scratch = path.join(temporary, randomUUID());
      const limit = byteLimit(putOptions.maxBytes);
      try {
        await pipeline(body, limit, createWriteStream(scratch, { mode: privateFile }));
        await mkdir(path.dirname(target), privateFolder);
        await mkdir(path.dirname(metaPath(key)), privateFolder);
        await writeFile(metaPath(key), JSON.stringify({ contentType: putOptions.contentType }), { mode: privateFile });
        await rename(scratch, target);
      } finally {
        await rm(scratch, { force: true });
      }
      return { size: limit.bytes(), contentType: putOptions.contentType };
    },
    async get(key) {
      const file = objectPath(key);
      try {
        await stat(file);
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
      return createReadStream(file);
    },
    async head(key): Promise<BlobInfo | undefined> {
      try {
        const [info, described] = await Promise.all([stat(objectPath(key)), readFile(metaPath(key), 'utf8')]);
        const { contentType } = JSON.parse(described) as { contentType: string };
        return { size: info.size, contentType };
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async move(from, to) {
      const source = objectPath(from);
      const target = objectPath(to);
      await mkdir(path.dirname(target), privateFolder);
      await mkdir(path.dirname(metaPath(to)), privateFolder);
      // The object moves in one rename: a write to `from` after it starts a new file.
      try {
        await rename(source, target);
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
      await rename(metaPath(from), metaPath(to));
      return this.head(to);
    },
    async delete(key) {
      await rm(objectPath(key), { force: true });
      await rm(metaPath(key), { force: true });
    },
    async deletePrefix(prefix) {
      let removed = 0;
      const keys: string[] = [];
      for await (const key of this.list(prefix)) keys.push(key);
      for (const key of keys) {
        await this.delete(key);
        removed += 1;
      }
      return removed;
    },
    async *list(prefix) {
      let files: string[];
      try {
        files = await readdir(objects, { recursive: true });
      } catch (error) {
        if (missing(error)) return;
        throw error;
      }
      const keys: string[] = [];
      for (const file of files) {
        const key = file.split(path.sep).join('/');
        if (!key.startsWith(prefix)) continue;
        // A file deleted between readdir and stat (a concurrent delete) is no longer listed.
        const found = await stat(path.join(objects, file)).catch((error: unknown) => {
          if (missing(error)) return undefined;
          throw error;
        });
        if (found?.isFile() === true) keys.push(key);
      }
      yield* keys.sort();
    },
    presignGet: (key, presign) =>
      Promise.resolve(
        signedUrl({
          method: 'GET',
          key: checkKey(key),
          expires: expiry(presign.expiresInSeconds),
          contentType: '',
          fileName: presign.fileName ?? '',
          size: 0,
        }),
      ),
    presignPut: (key, presign) =>
      Promise.resolve(
        signedUrl({
          method: 'PUT',
          key: checkKey(key),
          expires: expiry(presign.expiresInSeconds),
          contentType: presign.contentType,
          fileName: '',
          size: presign.size,
        }),
      ),
    verify(method, key, query) {
      if (method !== 'GET' && method !== 'PUT') return undefined;
      const expires = Number(query.expires);
      const signature = query.signature ?? '';
      if (!Number.isInteger(expires) || expires < Date.now() / 1000) return undefined;
      try {
        checkKey(key);
      } catch {
        return undefined;
      }
      const size = method === 'PUT' ? Number(query.size) : 0;
      if (!Number.isSafeInteger(size) || size < 0) return undefined;
      const grant: BlobGrant = {
        method,
        key,
        expires,
        contentType: query.type ?? '',
        fileName: query.name ?? '',
        size,
      };
      const expected = Buffer.from(sign(grant));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected) ? grant : undefined;
    },
  };
}
