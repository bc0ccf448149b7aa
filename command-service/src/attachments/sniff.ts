import type { Readable } from 'node:stream';
import { fileTypeStream } from 'file-type';

/** What an attachment may be, by its bytes (the client's name and type are never believed). */
export const attachmentTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'] as const;
export type AttachmentType = (typeof attachmentTypes)[number];

/** At most 50 MB. */
export const maxAttachmentBytes = 50 * 1024 * 1024;

/**
 * Reads the first bytes of `body` to tell its type by their signature (file-type's magic
 * numbers), and hands back a stream of the whole body, those bytes included.
 */
export async function sniffType(body: Readable): Promise<{ type: AttachmentType | undefined; body: Readable }> {
  const typed = await fileTypeStream(body, { sampleSize: 4_100 });
  const mime = typed.fileType?.mime;
  return { type: attachmentTypes.find((type) => type === mime), body: typed };
}
