import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';

/** What an attachment may be, by its bytes (the client's name and type are never believed). */
export const attachmentTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'] as const;
export type AttachmentType = (typeof attachmentTypes)[number];

/** At most 50 MB. */
export const maxAttachmentBytes = 50 * 1024 * 1024;

/** How many first bytes tell a type. */
const sampleSize = 4_100;

/**
 * Reads the first bytes of `body` to tell its type by their signature (file-type's magic
 * numbers), and hands back a stream of the whole body, those bytes included. An empty body,
 * or one shorter than the sample, is told too (it has no allowed type).
 */
export async function sniffType(body: Readable): Promise<{ type: AttachmentType | undefined; body: Readable }> {
  const head = await readHead(body, sampleSize);
  const mime = head.length === 0 ? undefined : (await fileTypeFromBuffer(head))?.mime;
  const whole = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      for await (const chunk of body) yield chunk as Buffer;
    })(),
    { objectMode: false },
  );
  return { type: attachmentTypes.find((type) => type === mime), body: whole };
}

/** At least `size` first bytes of `body` (fewer when it ends first); the rest stays unread. */
function readHead(body: Readable, size: number): Promise<Buffer> {
  if (body.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      body.pause();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= size) onEnd();
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    body.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
