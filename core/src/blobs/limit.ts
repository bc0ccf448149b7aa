import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLarge } from './types.js';

/** Passes bytes through, counting them; fails with BlobTooLarge past `maxBytes`. */
export function byteLimit(maxBytes: number | undefined): Transform & { readonly bytes: () => number } {
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (maxBytes !== undefined && bytes > maxBytes) done(new BlobTooLarge(maxBytes));
      else done(null, chunk);
    },
  });
  return Object.assign(transform, { bytes: () => bytes });
}
