import type { Readable } from 'node:stream';

/** What a stored object is. */
export interface BlobInfo {
  readonly size: number;
  readonly contentType: string;
}

export interface PutOptions {
  readonly contentType: string;
  /** Refuse (BlobTooLarge) and keep nothing once the body passes this many bytes. */
  readonly maxBytes?: number;
}

export interface PresignGetOptions {
  readonly expiresInSeconds: number;
  /** Offered to the browser as the download's name (Content-Disposition). */
  readonly fileName?: string;
}

export interface PresignPutOptions {
  readonly expiresInSeconds: number;
  /** The Content-Type the upload must carry. */
  readonly contentType: string;
  /** The exact number of bytes the upload must carry (its Content-Length); any other is refused. */
  readonly size: number;
}

/**
 * Where attachment bytes live: S3 (any S3-compatible store) or a local folder. Bodies are
 * streamed both ways, never held whole in memory. Keys are relative paths of letters, digits
 * and `/_.-`, without `..`.
 */
export interface BlobStore {
  readonly adapter: 's3' | 'local';
  /** Streams `body` to `key` (replacing what was there) and says how many bytes it took. */
  put(key: string, body: Readable, options: PutOptions): Promise<BlobInfo>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Readable | undefined>;
  head(key: string): Promise<BlobInfo | undefined>;
  /**
   * Moves the object at `from` to `to` (replacing what was there) and says what arrived; undefined
   * when there is nothing at `from`. What a link to `from` writes afterwards never reaches `to`.
   */
  move(from: string, to: string): Promise<BlobInfo | undefined>;
  /** Removes the object; a missing one is fine. */
  delete(key: string): Promise<void>;
  /** Removes every object under `prefix`; how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** A URL anyone holding it may GET the object with, until it expires. */
  presignGet(key: string, options: PresignGetOptions): Promise<string>;
  /** A URL anyone holding it may PUT the object with, until it expires: that type and that size only. */
  presignPut(key: string, options: PresignPutOptions): Promise<string>;
}

/** The body passed its size limit: nothing was kept. */
export class BlobTooLarge extends Error {
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`the body is larger than ${String(maxBytes)} bytes`);
    this.name = 'BlobTooLarge';
    this.maxBytes = maxBytes;
  }
}

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/;

/** Throws on a key that could leave its folder or that S3 would read differently. */
export function checkKey(key: string): string {
  if (!keyPattern.test(key) || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new RangeError(`not a blob key: ${JSON.stringify(key)}`);
  }
  return key;
}
